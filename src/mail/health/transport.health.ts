import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { MAIL_TRANSPORT } from '../mail.constants';
import type { MailTransport } from '../transport/mail-transport';

/** A verified transport stays "up" this long, so probes do not open an SMTP session each. */
const VERIFY_TTL_MS = 10_000;

@Injectable()
export class TransportHealthIndicator {
  private lastOk = 0;
  private inFlight?: Promise<void>;

  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    if (Date.now() - this.lastOk < VERIFY_TTL_MS)
      return indicator.up({ kind: this.transport.kind });
    try {
      this.inFlight ??= this.transport.verify().finally(() => (this.inFlight = undefined));
      await this.inFlight;
      this.lastOk = Date.now();
      return indicator.up({ kind: this.transport.kind });
    } catch {
      // Only the kind: the error text can name the relay's host, which callers must not see.
      return indicator.down({ kind: this.transport.kind, message: 'transport not reachable' });
    }
  }
}
