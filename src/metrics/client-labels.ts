import { Inject, Injectable } from '@nestjs/common';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config';
import { OTHER_CLIENT } from './metrics.constants';

/**
 * Maps a client id to a bounded label value. Every distinct value is a new series in
 * three families forever, so an allowlist (METRICS_CLIENTS) or the first N distinct clients
 * (METRICS_MAX_CLIENTS) get their own value and everyone else shares `other`.
 */
@Injectable()
export class ClientLabels {
  private readonly allowlist?: ReadonlySet<string>;
  private readonly seen = new Set<string>();

  constructor(@Inject(metricsConfig.KEY) private readonly config: MetricsConfig) {
    if (config.clients.length > 0) this.allowlist = new Set(config.clients);
  }

  label(client: string): string {
    if (this.allowlist) return this.allowlist.has(client) ? client : OTHER_CLIENT;
    if (this.seen.has(client)) return client;
    if (this.seen.size < this.config.maxClients) {
      this.seen.add(client);
      return client;
    }
    return OTHER_CLIENT;
  }
}
