import createClient from 'openapi-fetch';
import type { paths } from './mailwatch-api';

/** One answer of the running app, for checking against openapi.json. */
export interface RouteAnswer {
  method: string;
  /** The documented path, e.g. /emails/{id}. */
  route: string;
  url: string;
  status: number;
  headers: Headers;
  body: unknown;
}

function idOf(body: unknown): string | undefined {
  const id = (body as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * A client generated from openapi.json (openapi-typescript types + openapi-fetch) calling
 * every route of the running app, with typed requests: if the contract and the code drift
 * apart, this file stops compiling. The body types it reads are the generated ones.
 */
export async function callEveryRoute(
  baseUrl: string,
  apiKey: string,
  /** Makes the relay refuse the next message (a real 550), for a dead letter. */
  refuseNext: () => void,
): Promise<RouteAnswer[]> {
  const api = createClient<paths>({
    baseUrl,
    headers: { authorization: `Bearer ${apiKey}` },
  });
  const answers: RouteAnswer[] = [];
  /** Records one answer: openapi-fetch has parsed the body into `data` (2xx) or `error`. */
  const keep = async (
    method: string,
    route: string,
    call: Promise<{ data?: unknown; error?: unknown; response: Response }>,
  ) => {
    const { data, error, response } = await call;
    answers.push({
      method,
      route,
      url: response.url,
      status: response.status,
      headers: response.headers,
      body: data ?? error,
    });
  };

  const sent = await api.POST('/send-email', {
    body: { to: 'ada@example.com', subject: 'Contract', text: 'hello' },
    params: { header: { 'X-Client-ID': 'ignored-with-a-key' } },
  });
  await keep('POST', '/send-email', Promise.resolve(sent));
  const id = sent.data?.id ?? '00000000-0000-4000-8000-000000000000';
  // The relay refuses this one: 422 with the failed email, which becomes a dead letter.
  refuseNext();
  const refused = await api.POST('/send-email', {
    body: { to: 'ghost@example.com', subject: 'Contract', text: 'refused' },
  });
  await keep('POST', '/send-email', Promise.resolve(refused));
  const deadId = idOf(refused.error) ?? id;
  await keep(
    'POST',
    '/send-email',
    api.POST('/send-email', { body: { to: 'not an address', subject: '' } as never }),
  );
  await keep(
    'POST',
    '/send-email',
    api.POST('/send-email', {
      body: { to: 'ada@example.com', subject: 'x', text: 'y' },
      headers: { authorization: 'Bearer wrong-key-wrong-key-00' },
    }),
  );
  await keep(
    'POST',
    '/send-email/batch',
    api.POST('/send-email/batch', {
      body: {
        emails: [
          { to: 'ada@example.com', subject: 'One', text: 'x' },
          { to: 'bad', subject: 'Two', text: 'x' },
        ],
      },
    }),
  );
  await keep(
    'GET',
    '/emails',
    api.GET('/emails', { params: { query: { status: 'failed', limit: 10 } } }),
  );
  await keep('GET', '/emails/{id}', api.GET('/emails/{id}', { params: { path: { id } } }));
  await keep(
    'GET',
    '/emails/{id}',
    api.GET('/emails/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } }),
  );
  await keep(
    'POST',
    '/emails/{id}/retry',
    api.POST('/emails/{id}/retry', { params: { path: { id: deadId } } }),
  );
  await keep(
    'POST',
    '/emails/{id}/retry',
    api.POST('/emails/{id}/retry', { params: { path: { id } } }),
  );
  // A client key: bulk re-drive is for operators (403 operator_only).
  await keep('POST', '/emails/redrive', api.POST('/emails/redrive', { body: { dryRun: true } }));
  await keep(
    'POST',
    '/send-email',
    api.POST('/send-email', {
      body: {
        to: 'ada@example.com',
        subject: 'Tagged',
        text: 'x',
        tags: ['invoice'],
        metadata: { invoiceId: 'inv_1' },
        headers: { 'In-Reply-To': '<a@example.com>' },
      },
    }),
  );
  await keep(
    'POST',
    '/suppressions',
    api.POST('/suppressions', { body: { address: 'gone@example.com', reason: 'asked' } }),
  );
  await keep(
    'POST',
    '/send-email',
    api.POST('/send-email', { body: { to: 'gone@example.com', subject: 'x', text: 'y' } }),
  );
  await keep(
    'POST',
    '/send-email',
    api.POST('/send-email', {
      body: { to: ['gone@example.com', 'ada@example.com'], subject: 'x', text: 'y' },
    }),
  );
  await keep('GET', '/suppressions', api.GET('/suppressions', { params: { query: { limit: 1 } } }));
  await keep('GET', '/webhooks', api.GET('/webhooks'));
  await keep(
    'GET',
    '/suppressions/{address}',
    api.GET('/suppressions/{address}', { params: { path: { address: 'gone@example.com' } } }),
  );
  await keep(
    'DELETE',
    '/suppressions/{address}',
    api.DELETE('/suppressions/{address}', { params: { path: { address: 'gone@example.com' } } }),
  );
  await keep(
    'DELETE',
    '/suppressions/{address}',
    api.DELETE('/suppressions/{address}', { params: { path: { address: 'gone@example.com' } } }),
  );
  await keep('GET', '/healthz', api.GET('/healthz'));
  await keep('GET', '/readyz', api.GET('/readyz'));
  await keep('GET', '/metrics', api.GET('/metrics', { parseAs: 'text' }));
  await keep('GET', '/status', api.GET('/status', { parseAs: 'text' }));
  await keep('GET', '/status/data', api.GET('/status/data'));
  return answers;
}
