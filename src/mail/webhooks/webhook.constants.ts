export const EMAIL_WEBHOOK_DELIVERIES_TOTAL = 'email_webhook_deliveries_total';
export const EMAIL_WEBHOOK_BACKLOG = 'email_webhook_backlog';
/** success; failure (an attempt failed, retried later); expired (given up); forbidden (SSRF). */
export const WEBHOOK_OUTCOMES = ['success', 'failure', 'expired', 'forbidden'] as const;
export const EMAIL_WEBHOOK_ENDPOINT_PAUSED = 'email_webhook_endpoint_paused';
