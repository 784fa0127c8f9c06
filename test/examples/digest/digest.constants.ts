export const DIGEST_EMAILS_TOTAL = 'digest_emails_total';
/** The `client` label of the digest's emails in email_sent_total. */
export const DIGEST_CLIENT = 'digest';
