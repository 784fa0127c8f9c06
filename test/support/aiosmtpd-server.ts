import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's python3 (the package python3-aiosmtpd installs for it), not a pyenv shim. */
const PYTHON = '/usr/bin/python3';

export interface AiosmtpdMessage {
  from: string;
  to: string[];
  options: string[];
  raw: Buffer;
}

/** Python's aiosmtpd as a real peer (test/support/aiosmtpd-sink.py), on a free loopback port. */
export class AiosmtpdServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(
    options: {
      auth?: { user: string; pass: string };
      smtpUtf8?: boolean;
      /** Announce PIPELINING (aiosmtpd does not by itself, though it reads commands in order). */
      pipelining?: boolean;
      /** false: no 8BITMIME in the EHLO answer. */
      eightBitMime?: boolean;
    } = {},
  ): Promise<AiosmtpdServer> {
    if (!existsSync(PYTHON))
      throw new Error('/usr/bin/python3 is missing (Debian python3-aiosmtpd; .ci/run installs it)');
    const dir = mkdtempSync(join(tmpdir(), 'mailwatch-aiosmtpd-'));
    const args = [join(__dirname, 'aiosmtpd-sink.py'), '--dir', dir];
    if (options.auth) args.push('--auth', `${options.auth.user}:${options.auth.pass}`);
    if (options.smtpUtf8 === false) args.push('--no-smtputf8');
    if (options.pipelining) args.push('--pipelining');
    if (options.eightBitMime === false) args.push('--no-8bitmime');
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('aiosmtpd did not start in 10 s')), 10_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        reject(new Error(`${err.message}\n${stderr.slice(-2000)}`));
      };
      child.once('exit', (code) =>
        fail(new Error(`aiosmtpd exited (${code}); is python3-aiosmtpd installed?`)),
      );
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /ready (\d+)/.exec(chunk.toString());
        if (!match) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(Number(match[1]));
      });
    });
    return new AiosmtpdServer(child, dir, port);
  }

  received(): AiosmtpdMessage[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.eml'))
      .sort((a, b) => parseInt(a) - parseInt(b))
      .map((f) => {
        const meta = JSON.parse(readFileSync(join(this.dir, f.replace(/\.eml$/, '.json')), 'utf8'));
        return { ...meta, raw: readFileSync(join(this.dir, f)) } as AiosmtpdMessage;
      });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
