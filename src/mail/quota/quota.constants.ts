export const QUOTA_STORE = Symbol('QUOTA_STORE');
export const EMAIL_QUOTA_REMAINING = 'email_quota_remaining';
