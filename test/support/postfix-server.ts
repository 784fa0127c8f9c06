import { execFile } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './smtp-server';

const run = promisify(execFile);
const POSTFIX = '/usr/sbin/postfix';

export interface PostfixOptions {
  /** Offer STARTTLS with this key and certificate (files). */
  tls?: { key: string; cert: string };
  /** RCPT replies by address, e.g. `{ 'gone@example.com': '550 5.1.1 no such user' }`. */
  recipientReplies?: Record<string, string>;
  /** More main.cf lines, e.g. stricter pipelining checks. */
  mainCf?: string[];
  /** More master.cf services, e.g. `smtp unix - - n - - smtp` to relay onwards. */
  masterCf?: string[];
}

export interface StoredMessage {
  queueId: string;
  raw: Buffer;
}

/**
 * A private Postfix instance on a spare loopback port (Debian `postfix`, root needed, as in
 * CI): its own config, queue and data directories; mail goes to a `pipe` transport that
 * stores each message as out/<queue id>.eml. Nothing of the system's Postfix is touched.
 */
export class PostfixServer {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(options: PostfixOptions = {}): Promise<PostfixServer> {
    if (!existsSync(POSTFIX))
      throw new Error('Postfix is not installed (Debian package `postfix`; .ci/run installs it)');
    if (userInfo().uid !== 0)
      throw new Error('a private Postfix instance needs root (CI runs as root)');
    const dir = mkdtempSync(join(tmpdir(), 'mailwatch-postfix-'));
    chmodSync(dir, 0o755);
    for (const sub of ['conf', 'queue', 'data', 'out']) mkdirSync(join(dir, sub));
    chmodSync(join(dir, 'out'), 0o777);
    const { stdout } = await run('id', ['-u', 'postfix']);
    chownSync(join(dir, 'data'), Number(stdout.trim()), -1);
    const port = await freePort();
    const access = Object.entries(options.recipientReplies ?? {})
      .map(([addr, reply]) => `{${addr} = ${reply}}`)
      .join(', ');
    const main = [
      'compatibility_level = 3.6',
      `queue_directory = ${dir}/queue`,
      `data_directory = ${dir}/data`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'myhostname = mailwatch-test.localdomain',
      'mydestination =',
      'mynetworks = 127.0.0.0/8',
      'smtpd_relay_restrictions = permit_mynetworks, reject',
      access
        ? `smtpd_recipient_restrictions = check_recipient_access inline:{ ${access} }, permit_mynetworks, reject`
        : '',
      'default_transport = store',
      `maillog_file = ${dir}/maillog`,
      `maillog_file_prefixes = ${dir}`,
      `syslog_name = postfix-mailwatch-${port}`,
      'smtputf8_enable = yes',
      options.tls
        ? `smtpd_tls_cert_file = ${options.tls.cert}\nsmtpd_tls_key_file = ${options.tls.key}\nsmtpd_tls_security_level = may`
        : '',
      ...(options.mainCf ?? []),
    ];
    const services = [
      `127.0.0.1:${port} inet n - n - - smtpd`,
      'pickup unix n - n 60 1 pickup',
      'cleanup unix n - n - 0 cleanup',
      'qmgr unix n - n 300 1 qmgr',
      'tlsmgr unix - - n 1000? 1 tlsmgr',
      'rewrite unix - - n - - trivial-rewrite',
      'bounce unix - - n - 0 bounce',
      'defer unix - - n - 0 bounce',
      'trace unix - - n - 0 bounce',
      'verify unix - - n - 1 verify',
      'flush unix n - n 1000? 0 flush',
      'proxymap unix - - n - - proxymap',
      'showq unix n - n - - showq',
      'error unix - - n - - error',
      'retry unix - - n - - error',
      'discard unix - - n - - discard',
      'anvil unix - - n - 1 anvil',
      'scache unix - - n - 1 scache',
      'postlog unix-dgram n - n - 1 postlogd',
      // dd, not tee: tee also copies the message to the pipe's output, which Postfix stops
      // reading after a few KB, so a 100 KB message killed tee and bounced.
      `store unix - n n - - pipe flags= user=nobody argv=/usr/bin/dd of=${dir}/out/\${queue_id}.eml status=none`,
      ...(options.masterCf ?? []),
    ];
    writeFileSync(join(dir, 'conf', 'main.cf'), main.filter(Boolean).join('\n') + '\n');
    writeFileSync(join(dir, 'conf', 'master.cf'), services.join('\n') + '\n');
    const server = new PostfixServer(dir, port);
    try {
      await run(POSTFIX, ['-c', join(dir, 'conf'), 'start'], { timeout: 30_000 });
    } catch {
      const log = existsSync(join(dir, 'maillog'))
        ? readFileSync(join(dir, 'maillog'), 'utf8').slice(-2000)
        : '';
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`postfix did not start:\n${log}`);
    }
    return server;
  }

  /**
   * Messages Postfix delivered to the store transport so far: only those its log reports
   * `status=sent`, i.e. whose store process finished (a file alone may still be half written).
   */
  stored(): StoredMessage[] {
    const out = join(this.dir, 'out');
    const log = join(this.dir, 'maillog');
    if (!existsSync(log)) return [];
    const delivered = [
      ...readFileSync(log, 'utf8').matchAll(
        / ([0-9A-F]+): to=<[^>]*>, relay=store, .*status=sent/g,
      ),
    ];
    return [...new Set(delivered.map((m) => m[1]))]
      .filter((id) => existsSync(join(out, `${id}.eml`)))
      .map((id) => ({ queueId: id, raw: readFileSync(join(out, `${id}.eml`)) }));
  }

  /** Waits (bounded) until `count` messages went all the way through Postfix. */
  async waitForStored(count: number, timeoutMs = 20_000): Promise<StoredMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stored = this.stored();
      if (stored.length >= count) return stored;
      if (Date.now() > deadline)
        throw new Error(`Postfix stored ${stored.length} of ${count} messages in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await run(POSTFIX, ['-c', join(this.dir, 'conf'), 'stop'], { timeout: 30_000 }).catch(
      () => undefined,
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
