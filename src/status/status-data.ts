/** What /status/data returns: cumulative values; the page derives rates from two polls. */
export interface StatusData {
  /** Milliseconds since the epoch, server clock. */
  time: number;
  /** email_sent_total by client and status. */
  sent: Array<{ client: string; status: string; value: number }>;
  queueSize: number;
  /** email_retries_total, all reasons. */
  retries: number;
  /** email_send_duration_seconds summed over clients: cumulative count per upper bound. */
  duration: { buckets: Array<{ le: number; count: number }>; count: number; sum: number };
}
