import {
  Controller,
  Get,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { map } from 'rxjs';
import { installPassThroughFastPath, PassThroughInterceptor } from './pass-through-interceptors';

const als = new AsyncLocalStorage<string>();
const seen: string[] = [];

@Injectable()
class Tag extends PassThroughInterceptor {
  before(context: ExecutionContext): void {
    const req = context.switchToHttp().getRequest<{ url: string; tag?: string }>();
    seen.push(`before ${req.url} ${context.getType()} ${context.getHandler().name}`);
    req.tag = 'tagged';
  }
}

@Injectable()
class Wrap implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler) {
    return next.handle().pipe(map((body: unknown) => ({ wrapped: body })));
  }
}

@Controller()
class Probe {
  @Get('ok')
  async ok(): Promise<{ store?: string }> {
    await new Promise((resolve) => setImmediate(resolve));
    return { store: als.getStore() };
  }

  @Get('boom')
  async boom(): Promise<never> {
    await Promise.resolve();
    throw new Error('handler failed');
  }
}

async function appWith(interceptors: Array<new () => NestInterceptor>) {
  const moduleRef = await Test.createTestingModule({
    controllers: [Probe],
    providers: interceptors.map((useClass) => ({ provide: APP_INTERCEPTOR, useClass })),
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (_req, _reply, done) => als.run('request-store', done));
  await app.init();
  await fastify.ready();
  return app;
}

describe('PassThroughInterceptor fast path', () => {
  let app: NestFastifyApplication | undefined;
  beforeAll(() => expect(installPassThroughFastPath()).toBe(true));
  afterEach(async () => {
    await app?.close();
    app = undefined;
    seen.length = 0;
    jest.restoreAllMocks();
  });

  it("runs before() and answers with the handler's result, in the request's async context, without Nest's chain", async () => {
    app = await appWith([Tag]);
    const bind = jest.spyOn(AsyncResource, 'bind');
    const res = await app.inject({ method: 'GET', url: '/ok' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ store: 'request-store' });
    expect(seen).toEqual(['before /ok http ok']);
    expect(bind).not.toHaveBeenCalled();
  });

  it('lets a handler error reach the exception filters as before', async () => {
    app = await appWith([Tag]);
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(seen).toEqual(['before /boom http boom']);
  });

  it("keeps Nest's chain for a route that also has an interceptor wrapping the result", async () => {
    app = await appWith([Tag, Wrap]);
    const res = await app.inject({ method: 'GET', url: '/ok' });
    expect(res.json()).toEqual({ wrapped: { store: 'request-store' } });
    expect(seen).toEqual(['before /ok http ok']);
  });

  it('treats a subclass that overrides intercept() as an ordinary interceptor', async () => {
    @Injectable()
    class Overriding extends Tag {
      override intercept(context: ExecutionContext, next: CallHandler) {
        return super.intercept(context, next).pipe(map(() => 'replaced'));
      }
    }
    app = await appWith([Overriding]);
    const res = await app.inject({ method: 'GET', url: '/ok' });
    expect(res.body).toBe('replaced');
  });
});
