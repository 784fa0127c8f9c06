import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import { appConfig, type AppConfig } from '../config/app.config';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config';
import { errorBody } from '../core/error-body';
import { MetricsEndpoint } from './metrics-endpoint';

/**
 * The METRICS_PORT listener: /metrics only, away from the API port so it can be left out
 * of the public Service or ingress. A bare node:http server — it needs no framework.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MetricsServer');
  private server?: Server;

  constructor(
    @Inject(metricsConfig.KEY) private readonly config: MetricsConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    private readonly endpoint: MetricsEndpoint,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.enabled || this.config.port === undefined) return;
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(errorBody(404, 'not_found', `Cannot ${req.method} ${path}`)));
        return;
      }
      this.endpoint.handle(req.headers, false).then(
        (result) => {
          res.writeHead(result.status, result.headers);
          res.end(result.body);
        },
        (err: unknown) => {
          this.logger.error(`metrics render failed: ${String(err)}`);
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(
            JSON.stringify(errorBody(500, 'internal_error', 'metrics could not be rendered')),
          );
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      // One line naming the variable, for main.ts to print (not a bare EADDRINUSE).
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new Error(
            `METRICS_PORT ${this.config.port} cannot be bound on HOST ${this.app.host} (${err.code ?? err.message})`,
          ),
        ),
      );
      server.listen(this.config.port, this.app.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics served on ${this.app.host}:${this.config.port}/metrics`);
  }

  /** The bound port, once listening. */
  address(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
