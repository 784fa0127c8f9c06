/** The cumulative histogram of email_send_duration_seconds, summed over clients. */
export interface DurationHistogram {
  buckets: Array<{ le: number; count: number }>;
  count: number;
  sum: number;
}

/** This replica's email metrics now: cumulative values, as /metrics has them. */
export interface StatusSnapshot {
  /** Milliseconds since the epoch, server clock. */
  time: number;
  /** email_sent_total by client and status. */
  sent: Array<{ client: string; status: string; value: number }>;
  queueSize: number;
  /** email_retries_total, all reasons. */
  retries: number;
  duration: DurationHistogram;
}

/** One sample of the server-side history (all clients together). */
export interface StatusPoint {
  time: number;
  success: number;
  failure: number;
  queueSize: number;
  retries: number;
  duration: DurationHistogram;
}

/** email_smtp_up's state of a relay; `refused_*`: it answers but refuses our credentials or TLS. */
export type StatusRelayState = 'up' | 'down' | 'unknown' | 'refused_auth' | 'refused_tls';

/** Beside the metrics: the relays (replica-wide) and the caller's dead letters. */
export interface StatusOperationsData {
  /** Each relay by its `relay` label (never its host), in failover order; empty with the outbox. */
  relays: Array<{ name: string; state: StatusRelayState }>;
  /**
   * Failed emails the caller can list at GET /emails?status=failed: its client's, or every
   * client's for an operator. `more`: there are more than `count` (the count is bounded);
   * `count` null: the queue's store did not answer (the page still shows the rest).
   */
  deadLetters: { count: number | null; more: boolean };
  /**
   * Whether this replica takes emails now (email_queue_accepting): `refusing` while its queue
   * store is unreachable (Redis down, spool not writable) or it drains; intake answers 503.
   */
  intake: 'accepting' | 'refusing';
}

/** What /status/data returns; the page derives rates and quantiles from differences. */
export interface StatusData extends StatusSnapshot, StatusOperationsData {
  /** The process answering (the pod name in Kubernetes): every figure is this replica's. */
  replica: string;
  /**
   * `client` when the caller's key sees one client only: `sent`, `retries` and `duration` are
   * that client's and the history (replica-wide) is left out. `null`: every client.
   */
  client: string | null;
  /** Link to the mailwatch dashboard for all replicas, when GRAFANA_URL is set. */
  dashboardUrl: string | null;
  history: { intervalMs: number; capacity: number; points: StatusPoint[] };
}
