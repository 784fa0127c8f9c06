import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { MAIL_TRANSPORT } from '../mail.constants';
import type { MailTransport, RelayStatus } from '../transport/mail-transport';

function state(r: Pick<RelayStatus, 'up' | 'refused'>): string {
  if (r.refused) return `refused_${r.refused}`;
  return r.up === undefined ? 'unknown' : r.up ? 'up' : 'down';
}

/**
 * The transport as /readyz shows it, never doing I/O. A relay that is down does not fail
 * readiness: a shared relay's outage must not take every pod out of the Service at once
 * (queued mail waits and is retried, and the pod can still accept work); email_smtp_up
 * tracks it. A relay that answers but refuses our credentials or TLS does: that is this
 * pod's configuration, every send would fail, and an unready pod stops a bad rollout.
 * Not ready only when every relay refuses us (README, "Health").
 */
@Injectable()
export class TransportHealthIndicator {
  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key: string): HealthIndicatorResult {
    const health = this.transport.relayHealth?.();
    const several = this.transport.relays?.() ?? [];
    const refusals = several.map((r) => r.refused);
    const allRefuse = several.length > 0 && refusals.every((r) => r !== undefined);
    const relay = health === undefined ? undefined : allRefuse ? state(several[0]) : state(health);
    // Several relays (failover): each by name too; `relay` stays the summary (up if any is).
    const relays =
      several.length > 1 ? Object.fromEntries(several.map((r) => [r.name, state(r)])) : undefined;
    const details = {
      kind: this.transport.kind,
      ...(relay ? { relay } : {}),
      ...(relays ? { relays } : {}),
    };
    const indicator = this.indicators.check(key);
    if (!allRefuse) return indicator.up(details);
    return indicator.down({
      ...details,
      message: `every relay refuses our ${refusals[0] === 'auth' ? 'credentials' : 'TLS'}; sends would fail`,
    });
  }
}
