import { Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual, createHash } from 'node:crypto';
import { register } from 'prom-client';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config';
import { errorBody } from '../core/error-body';
import { OPENMETRICS_CONTENT_TYPE, renderOpenMetrics } from './openmetrics';

export interface MetricsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

type Format = 'prometheus' | 'openmetrics';

interface CachedRender {
  body: Promise<string>;
  renderedAt: number;
}

/** sha256 first, so comparing needs equal lengths and leaks neither content nor length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Everything /metrics answers, for whichever listener serves it (the API port or
 * METRICS_PORT): access checks, content negotiation, and a short-lived render cache so
 * that concurrent or repeated scrapes cost one render.
 */
@Injectable()
export class MetricsEndpoint {
  private readonly expected?: Buffer;
  private readonly cache = new Map<Format, CachedRender>();

  constructor(@Inject(metricsConfig.KEY) private readonly config: MetricsConfig) {
    if (config.auth) {
      const token = Buffer.from(`${config.auth.user}:${config.auth.password}`).toString('base64');
      this.expected = digest(`Basic ${token}`);
    }
  }

  /** `onApiPort`: whether the request arrived on the API listener. */
  async handle(
    headers: { authorization?: string; accept?: string },
    onApiPort: boolean,
  ): Promise<MetricsResponse> {
    if (!this.config.enabled || (onApiPort && this.config.port !== undefined)) {
      return json(404, errorBody(404, 'not_found', 'Cannot GET /metrics'));
    }
    if (this.expected && !this.authorized(headers.authorization)) {
      return {
        ...json(401, errorBody(401, 'unauthorized', 'metrics need credentials (METRICS_AUTH)')),
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'www-authenticate': 'Basic realm="metrics", charset="UTF-8"',
        },
      };
    }
    const format: Format = headers.accept?.includes('application/openmetrics-text')
      ? 'openmetrics'
      : 'prometheus';
    const body = await this.render(format);
    return {
      status: 200,
      headers: {
        'content-type': format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : register.contentType,
        'cache-control': 'no-store',
      },
      body,
    };
  }

  private authorized(header: string | undefined): boolean {
    return header !== undefined && timingSafeEqual(digest(header.trim()), this.expected!);
  }

  private render(format: Format): Promise<string> {
    const now = Date.now();
    const cached = this.cache.get(format);
    if (cached && now - cached.renderedAt < this.config.cacheMs) return cached.body;
    const body = format === 'openmetrics' ? renderOpenMetrics(register) : register.metrics();
    const entry = { body, renderedAt: now };
    this.cache.set(format, entry);
    // A failed render must not be served from the cache.
    body.catch(() => this.cache.get(format) === entry && this.cache.delete(format));
    return body;
  }
}

function json(status: number, payload: unknown): MetricsResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(payload),
  };
}
