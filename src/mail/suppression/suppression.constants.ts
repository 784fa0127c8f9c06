export const SUPPRESSION_STORE = Symbol('SUPPRESSION_STORE');
export const EMAIL_SUPPRESSED_RECIPIENTS_TOTAL = 'email_suppressed_recipients_total';
export const EMAIL_SUPPRESSIONS_ADDED_TOTAL = 'email_suppressions_added_total';
