import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { register } from 'prom-client';
import { createTestApp, type TestApp } from '../support/test-app';
import { until } from '../support/wait';
import { ingressPort, submit } from './ingress-client';

const KEY = 'ci-key-0123456789abcdef0123';

/** Opens a session from `localAddress` and waits for the greeting (or its refusal). */
async function connect(
  port: number,
  localAddress: string,
): Promise<{ connection?: SMTPConnection; code?: number; response?: string }> {
  const connection = new SMTPConnection({ host: '127.0.0.1', port, localAddress, ignoreTLS: true });
  try {
    await new Promise<void>((resolve, reject) => {
      connection.once('error', reject);
      connection.connect(() => resolve());
    });
    return { connection };
  } catch (err) {
    connection.close();
    const { responseCode, response } = err as { responseCode?: number; response?: string };
    return { code: responseCode, response };
  }
}

/**
 * Connection limits on the submission listener (issue 23): past
 * SMTP_INGRESS_MAX_CONNECTIONS_PER_IP from one address, or SMTP_INGRESS_MAX_CONNECTIONS in
 * total, a client is greeted `421 4.7.0` and the refusal is counted; a closed session frees
 * its slot. Clients are nodemailer's SMTP connections from different loopback addresses.
 */
describe('SMTP connection limits', () => {
  let app: TestApp;
  let port: number;
  const open: SMTPConnection[] = [];

  beforeAll(async () => {
    app = await createTestApp({
      env: {
        API_KEYS: `${KEY}=ci`,
        SMTP_INGRESS_PORT: '0',
        SMTP_INGRESS_ALLOW_INSECURE_AUTH: 'true',
        SMTP_INGRESS_MAX_CONNECTIONS: '3',
        SMTP_INGRESS_MAX_CONNECTIONS_PER_IP: '2',
      },
    });
    port = ingressPort(app);
  });
  afterAll(async () => {
    for (const connection of open) connection.close();
    await app?.close();
  });

  const held = async (address: string) => {
    const { connection, response } = await connect(port, address);
    if (!connection) throw new Error(`expected a session from ${address}, got ${response}`);
    open.push(connection);
    return connection;
  };

  it('refuses 421 per address, then in total, counts both, and frees a slot on QUIT', async () => {
    const first = await held('127.0.0.1');
    await held('127.0.0.1');
    const perIp = await connect(port, '127.0.0.1');
    expect(perIp.code).toBe(421);
    expect(perIp.response).toMatch(/^421 4\.7\.0 too many connections from your address/);

    await held('127.0.0.2');
    const total = await connect(port, '127.0.0.3');
    expect(total.code).toBe(421);
    expect(total.response).toMatch(/^421 4\.7\.0 too many connections \(at most 3\)/);

    const metrics = await register.metrics();
    expect(metrics).toMatch(/smtp_ingress_connections_refused_total\{reason="max_per_ip"\} 1/);
    expect(metrics).toMatch(/smtp_ingress_connections_refused_total\{reason="max_connections"\} 1/);

    first.quit();
    const client = {
      port,
      secure: false,
      ignoreTLS: true,
      auth: { user: 'ci', pass: KEY },
      localAddress: '127.0.0.3',
    };
    let response = '';
    // The slot frees when the server sees the socket close: wait for a submission to pass.
    await until('a freed connection slot', async () => {
      try {
        response = (
          await submit(client, { from: 'ci@example.com', to: 'dev@example.org', text: 'ok' })
        ).response;
        return true;
      } catch {
        return false;
      }
    });
    expect(response).toMatch(/^250 2\.0\.0 queued as/);
  });
});
