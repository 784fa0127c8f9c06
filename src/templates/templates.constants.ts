export const EMAIL_TEMPLATE_FAILURES_TOTAL = 'email_template_failures_total';

/** Template names are file names: no paths, no dots, so `../` can never be asked for. */
export const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Why a template could not be rendered; the `reason` label of the failures counter. */
export type TemplateFailureReason = 'unknown_template' | 'missing_variable' | 'render';
