import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import type {
  SMTPServerAddress,
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerSession,
} from 'smtp-server';
import { ingressConfig, type IngressConfig } from '../../config/ingress.config';
import { UNKNOWN_CLIENT } from '../../core/client-identity';
import { MessagePolicy } from '../../mail/policy/message-policy';
import { ReturnPaths } from '../../mail/return-path/return-paths';
import { ApiKeys } from '../../security/api-keys';
import { IngressMetrics } from '../metrics/ingress-metrics';
import { ClientRate } from './client-rate';
import { refusalFor, smtpReply, type SmtpReplyError } from './smtp-reply';

const CLIENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Which kind of transaction a recipient starts: mail to send, or a bounce for us. */
type RecipientKind = 'submission' | 'bounce';

/**
 * Who may do what on the SMTP listener (README, "Sending over SMTP"):
 * - AUTH PLAIN/LOGIN: the password is an API key, the username its client's name. Without
 *   API keys (dev mode) any password is taken and the username names the client.
 * - RCPT to the bounce domain needs no AUTH (relays return bounces unauthenticated) but a
 *   valid return-path token; any other RCPT needs AUTH when API keys are configured, so the
 *   listener is never an open relay.
 * - Sender and recipient policy are checked at MAIL FROM / RCPT TO, as POST /send-email does.
 */
@Injectable()
export class SessionRules {
  private readonly logger = new Logger('SmtpIngress');
  private readonly rate: ClientRate;

  constructor(
    @Inject(ingressConfig.KEY) private readonly config: IngressConfig,
    private readonly keys: ApiKeys,
    private readonly policy: MessagePolicy,
    private readonly returnPaths: ReturnPaths,
    private readonly metrics: IngressMetrics,
  ) {
    this.rate = new ClientRate(config.ratePerMinute);
  }

  /** The client a session sends as: its AUTH user, or `unknown` in dev mode without AUTH. */
  clientOf(session: SMTPServerSession): string {
    return typeof session.user === 'string' ? session.user : UNKNOWN_CLIENT;
  }

  authenticate(auth: SMTPServerAuthentication): SMTPServerAuthenticationResponse | SmtpReplyError {
    const username = auth.username ?? '';
    const password = auth.password ?? '';
    const client = this.keys.enabled
      ? this.keys.clientFor(password)
      : CLIENT_NAME.test(username)
        ? username
        : undefined;
    if (client === undefined || client !== username) {
      this.metrics.authFailure();
      // Neither the key nor the username is logged: either may be a mistyped secret.
      this.logger.warn({ msg: 'smtp auth refused', method: auth.method });
      return smtpReply(
        535,
        '5.7.8',
        'authentication failed: the password must be an API key and the username its client',
      );
    }
    return { user: client };
  }

  /** MAIL FROM: the sender policy for an authenticated client, and its message rate. */
  mailFrom(address: SMTPServerAddress, session: SMTPServerSession): SmtpReplyError | undefined {
    if (session.user === undefined) return undefined; // bounces: checked per recipient
    const client = this.clientOf(session);
    if (!this.rate.take(client)) {
      this.metrics.submission(client, 'refused_rate');
      return smtpReply(
        451,
        '4.7.1',
        `rate limit: at most ${this.config.ratePerMinute} messages per minute per client; try again later`,
      );
    }
    if (address.address === '') return undefined;
    return this.checked(() => this.policy.check({ from: address.address, to: [] }, client));
  }

  rcptTo(address: SMTPServerAddress, session: SMTPServerSession): SmtpReplyError | undefined {
    const kind = this.kindOf(address.address);
    if (kind instanceof Error) return kind;
    const earlier = session.envelope.rcptTo;
    if (earlier.length > 0 && this.kindOf(earlier[0].address) !== kind) {
      return smtpReply(452, '4.5.3', 'send bounces and other mail in separate transactions');
    }
    if (earlier.length >= this.config.maxRecipients) {
      return smtpReply(452, '4.5.3', `too many recipients (at most ${this.config.maxRecipients})`);
    }
    if (kind === 'bounce') return undefined;
    if (this.keys.enabled && session.user === undefined) {
      return smtpReply(530, '5.7.0', 'authentication required: AUTH with an API key');
    }
    // Dev mode without AUTH: MAIL FROM skipped the rate and sender checks; apply them here.
    if (session.user === undefined && earlier.length === 0) {
      const client = this.clientOf(session);
      if (!this.rate.take(client)) {
        return smtpReply(
          451,
          '4.7.1',
          `rate limit: at most ${this.config.ratePerMinute} messages per minute per client`,
        );
      }
      const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      if (from !== '') {
        const refused = this.checked(() => this.policy.check({ from, to: [] }, client));
        if (refused) return refused;
      }
    }
    return this.checked(() => this.policy.check({ to: [address.address] }, this.clientOf(session)));
  }

  private kindOf(address: string): RecipientKind | SmtpReplyError {
    const match = this.returnPaths.parse(address);
    if (match.kind === 'foreign') return 'submission';
    if (match.kind === 'valid') return 'bounce';
    this.metrics.report('forged');
    this.logger.warn({ msg: 'bounce refused: wrong or missing return-path token' });
    return smtpReply(550, '5.7.1', 'no such bounce address');
  }

  /** Whether the session's recipients are the bounce domain's. */
  isBounce(session: SMTPServerSession): boolean {
    const first = session.envelope.rcptTo[0];
    return first !== undefined && this.returnPaths.parse(first.address).kind === 'valid';
  }

  private checked(check: () => void): SmtpReplyError | undefined {
    try {
      check();
      return undefined;
    } catch (err) {
      if (!(err instanceof HttpException)) throw err;
      return refusalFor(err).reply;
    }
  }
}
