import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateCa {
  /** The CA certificate a client is told to trust. */
  ca: Buffer;
  /** A server key and certificate for 127.0.0.1 only (so a client checking another name fails). */
  key: Buffer;
  cert: Buffer;
  /** Files, for peers configured by path (Postfix). */
  files: { ca: string; key: string; cert: string };
  dispose(): void;
}

/** A throwaway certificate authority and one server certificate, made with openssl. */
export function createPrivateCa(): PrivateCa {
  const dir = mkdtempSync(join(tmpdir(), 'mailwatch-ca-'));
  const f = (name: string) => join(dir, name);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-subj',
    '/CN=mailwatch test CA',
  ]);
  run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  ]);
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run([
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    f('server.pem'),
    '-extfile',
    f('ext.cnf'),
  ]);
  return {
    ca: readFileSync(f('ca.pem')),
    key: readFileSync(f('server.key')),
    cert: readFileSync(f('server.pem')),
    files: { ca: f('ca.pem'), key: f('server.key'), cert: f('server.pem') },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
