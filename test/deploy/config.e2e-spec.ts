import { fatalLineOf, runToExit } from '../support/app-process';

describe('configuration validated at start-up', () => {
  it.each([
    ['PORT', 'abc', /PORT must be an integer/],
    ['PORT', '70000', /PORT must be <= 65535/],
    ['SEND_WAIT_MS', '-1', /SEND_WAIT_MS must be >= 0/],
    ['SMTP_URL', 'nonsense', /SMTP_URL must be a URL/],
    ['SMTP_URL', 'http://relay.example.com', /SMTP_URL must use one of the schemes smtp, smtps/],
    ['ENABLE_METRICS', 'maybe', /ENABLE_METRICS must be true or false/],
    ['QUEUE_DRIVER', 'kafka', /QUEUE_DRIVER must be one of spool, memory, redis/],
    ['METRICS_AUTH', 'no-colon', /METRICS_AUTH must be user:password/],
  ])('%s=%s stops the process with one line naming the variable', async (name, value, message) => {
    const result = await runToExit({ [name]: value });

    expect(result.status).toBe(1);
    const line = fatalLineOf(result.stderr);
    expect(line.msg).toMatch(message);
    expect(line.msg).toContain(name);
    expect(line.variables).toEqual([name]);
    expect(result.stdout).toBe('');
  });

  it('never echoes an SMTP_URL, which may hold a password', async () => {
    const result = await runToExit({ SMTP_URL: 'ftp://user:s3cret-pass@relay.example.com' });
    expect(result.status).toBe(1);
    expect(result.stderr).not.toContain('s3cret-pass');
  });
});
