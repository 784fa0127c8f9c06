import type { SecureContextOptions } from 'node:tls';

/** How the engine reaches and talks to one relay. Credentials never leave this object. */
export interface SmtpEngineOptions {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (smtps, port 465). */
  secure: boolean;
  /**
   * STARTTLS policy on a plain connection: `opportunistic` upgrades when offered (the
   * default, as nodemailer does), `required` refuses to send without it, `never` skips it.
   */
  starttls: 'opportunistic' | 'required' | 'never';
  /** Trust anchors and verification; certificates are always verified unless told otherwise. */
  tls: Pick<SecureContextOptions, 'ca'> & { rejectUnauthorized: boolean; servername?: string };
  auth?: { user: string; pass: string };
  /** Name sent with EHLO/HELO. */
  clientName: string;
  /** Connections kept open towards the relay. */
  poolSize: number;
  /** Messages sent over one connection before it is closed and replaced (servers cap this). */
  maxMessagesPerConnection: number;
  /** TCP connect, including the TLS handshake of implicit TLS. */
  connectTimeoutMs: number;
  /** From connect to the 220 greeting. */
  greetingTimeoutMs: number;
  /** Waiting for any one reply. */
  commandTimeoutMs: number;
  /** Waiting for the reply to the end of DATA (servers may scan the message first). */
  dataTimeoutMs: number;
  /** An idle connection is closed (with QUIT) after this long. */
  idleTimeoutMs: number;
  /** Upper bound for one send, queueing in the pool included: every send settles by then. */
  attemptTimeoutMs: number;
  /** Use PIPELINING when offered (RFC 2920); off forces lock-step, for diagnosis. */
  pipelining: boolean;
  /** While the relay is down it is probed after this long, doubling on every failed probe… */
  probeMinMs: number;
  /** …up to this long between probes. */
  probeMaxMs: number;
  /** Messages per second sent to this relay at most; 0 = no cap (relay-rate.ts). */
  maxPerSecond: number;
  /** After a 421 halved the rate, it doubles back once per this long without another. */
  rateRecoveryMs: number;
  /** Log the SMTP conversation at debug level (smtp-conversation-log.ts); never secrets. */
  conversationLog: boolean;
}

export const DEFAULT_ENGINE_OPTIONS: Omit<SmtpEngineOptions, 'host' | 'port' | 'secure'> = {
  starttls: 'opportunistic',
  tls: { rejectUnauthorized: true },
  clientName: 'localhost',
  poolSize: 5,
  maxMessagesPerConnection: 100,
  connectTimeoutMs: 10_000,
  greetingTimeoutMs: 10_000,
  commandTimeoutMs: 15_000,
  dataTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  attemptTimeoutMs: 60_000,
  pipelining: true,
  probeMinMs: 500,
  probeMaxMs: 30_000,
  maxPerSecond: 0,
  rateRecoveryMs: 60_000,
  conversationLog: false,
};

export function engineOptions(
  base: Pick<SmtpEngineOptions, 'host' | 'port' | 'secure'> & Partial<SmtpEngineOptions>,
): SmtpEngineOptions {
  return { ...DEFAULT_ENGINE_OPTIONS, ...base };
}
