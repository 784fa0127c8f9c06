import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config';
import { observabilityConfig, type ObservabilityConfig } from '../config/observability.config';
import { sha256 } from '../config/security.config';
import { ApiKeys } from '../security/api-keys';

/** Set by the guard when the caller may see one client only (a client's API key). */
export interface StatusScoped {
  statusClient?: string;
}

/**
 * Who may read the status page. A browser cannot send a bearer key, so besides an API key it
 * takes HTTP Basic with STATUS_AUTH (its own read-only credential) or METRICS_AUTH (the page
 * shows a subset of /metrics, so that credential opens nothing new). Open only when none of
 * API_KEYS, STATUS_AUTH and METRICS_AUTH is set, as the rest of the API then is.
 */
@Injectable()
export class StatusAuthGuard implements CanActivate {
  private readonly basic: Buffer[];

  constructor(
    private readonly keys: ApiKeys,
    @Inject(observabilityConfig.KEY) observability: ObservabilityConfig,
    @Inject(metricsConfig.KEY) metrics: MetricsConfig,
  ) {
    const metricsAuth = metrics.auth && `${metrics.auth.user}:${metrics.auth.password}`;
    this.basic = [observability.statusAuth, metricsAuth]
      .filter((credential): credential is string => Boolean(credential))
      .map(sha256);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.keys.enabled && this.basic.length === 0) return true;
    const http = context.switchToHttp();
    const [scheme, token = ''] = (http.getRequest<FastifyRequest>().headers.authorization ?? '')
      .trim()
      .split(/\s+/, 2);
    const request = http.getRequest<FastifyRequest & StatusScoped>();
    const client =
      /^bearer$/i.test(scheme) && this.keys.enabled ? this.keys.clientFor(token) : undefined;
    if (client !== undefined) {
      // A client's key sees its own client; OPERATOR_CLIENTS see every client.
      if (!this.keys.isOperator(client)) request.statusClient = client;
      return true;
    }
    // STATUS_AUTH / METRICS_AUTH are operators' credentials: /metrics shows every client too.
    if (/^basic$/i.test(scheme) && this.matchesBasic(token)) return true;

    const reply = http.getResponse<FastifyReply>();
    if (this.basic.length > 0) {
      void reply.header('www-authenticate', 'Basic realm="mailwatch status", charset="UTF-8"');
      throw new UnauthorizedException(
        'the status page needs the STATUS_AUTH (or METRICS_AUTH) user and password, or an API key',
      );
    }
    void reply.header('www-authenticate', 'Bearer realm="mailwatch", charset="UTF-8"');
    throw new UnauthorizedException(
      'the status page needs an API key; set STATUS_AUTH=user:password to open it in a browser',
    );
  }

  private matchesBasic(token: string): boolean {
    const digest = sha256(Buffer.from(token, 'base64').toString('utf8'));
    // Compare with every credential, so the timing does not tell which one matched.
    return this.basic.reduce((ok, expected) => timingSafeEqual(digest, expected) || ok, false);
  }
}
