import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { MAIL_TRANSPORT } from '../mail.constants';
import type { MailTransport } from '../transport/mail-transport';

/**
 * The transport as /readyz shows it: informational, never failing readiness and never doing
 * I/O. A shared relay being down must not take every pod out of the Service at once (queued
 * mail is retried, and the pod can still accept work): relay health is the email_smtp_up gauge.
 */
@Injectable()
export class TransportHealthIndicator {
  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key: string): HealthIndicatorResult {
    const health = this.transport.relayHealth?.();
    const relay =
      health === undefined
        ? undefined
        : health.up === undefined
          ? 'unknown'
          : health.up
            ? 'up'
            : 'down';
    // Several relays (failover): each by name too; `relay` stays the summary (up if any is).
    const several = this.transport.relays?.();
    const relays =
      several && several.length > 1
        ? Object.fromEntries(
            several.map((r) => [r.name, r.up === undefined ? 'unknown' : r.up ? 'up' : 'down']),
          )
        : undefined;
    return this.indicators.check(key).up({
      kind: this.transport.kind,
      ...(relay ? { relay } : {}),
      ...(relays ? { relays } : {}),
    });
  }
}
