import {
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  sanitizeClientId,
  CLIENT_ID_HEADER,
  type RequestWithCaller,
} from '../core/client-identity';
import { ApiKeys } from './api-keys';
import { SELF_AUTHENTICATED_ROUTES, UNGUARDED_ROUTES } from './security.constants';

const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i;

/**
 * Global: when API keys are configured, every route but health and /metrics needs
 * `Authorization: Bearer <key>`. The key decides the caller: it is stored as
 * `request.authenticatedClient`, which wins over any X-Client-ID (that header is then
 * ignored), so metrics and rate limits count the key's client.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeys) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & RequestWithCaller>();
    if (!this.keys.enabled) {
      request.operator = this.keys.isOperator(sanitizeClientId(request.headers[CLIENT_ID_HEADER]));
      return true;
    }
    const route = request.routeOptions?.url ?? '';
    if (UNGUARDED_ROUTES.has(route) || SELF_AUTHENTICATED_ROUTES.has(route)) return true;
    const match = BEARER.exec(request.headers.authorization ?? '');
    const client = match ? this.keys.clientFor(match[1]) : undefined;
    if (client === undefined) {
      void http
        .getResponse<FastifyReply>()
        .header('www-authenticate', 'Bearer realm="mailwatch", charset="UTF-8"');
      throw new UnauthorizedException(
        match ? 'the API key is not valid' : 'an API key is required: Authorization: Bearer <key>',
      );
    }
    request.authenticatedClient = client;
    request.operator = this.keys.isOperator(client);
    return true;
  }
}
