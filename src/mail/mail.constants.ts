/** DI tokens of the mail module. */
export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');
export const DELIVERY_QUEUE = Symbol('DELIVERY_QUEUE');

/** Header added to every message so a delivery can be traced back to its id. */
export const EMAIL_ID_HEADER = 'X-Mailwatch-Id';
