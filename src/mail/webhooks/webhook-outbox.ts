/** One event for one endpoint, as stored until delivered or given up. */
export interface OutboxEvent {
  /** The `webhook-id`: the same on every attempt, so receivers can drop duplicates. */
  id: string;
  endpoint: string;
  client: string;
  emailId: string;
  type: string;
  /** The exact JSON body that is signed and sent. */
  body: string;
  createdAt: number;
  attempts: number;
}

export type NewOutboxEvent = Omit<OutboxEvent, 'attempts'>;

/**
 * Where events wait until their endpoint answered 2xx (or they are given up): the same store
 * as the emails (SQLite beside the spool, memory, or Redis). Every implementation keeps
 * events in order per email and endpoint (only the oldest pending one is due) and leases a
 * claimed event past the request's timeout, so a dead process's claims come back.
 */
export abstract class WebhookOutbox {
  /** Durable once the promise resolves; an id already pending is not added twice. */
  abstract add(events: NewOutboxEvent[]): Promise<void>;
  /** Due events, leased until `leaseUntil` (their attempt counted). */
  abstract claim(now: number, limit: number, leaseUntil: number): Promise<OutboxEvent[]>;
  /** Delivered or given up: removed, and the next event of its email becomes due. */
  abstract done(id: string): Promise<void>;
  abstract retryAt(id: string, dueAt: number): Promise<void>;
  /** Events written and not yet delivered or given up. */
  abstract backlog(): Promise<number>;
  abstract close(): void;
}
