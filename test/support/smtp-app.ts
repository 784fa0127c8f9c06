import { TestSmtpServer } from './smtp-server';
import { createTestApp, type TestApp } from './test-app';

export interface SmtpAppFixture {
  smtp: TestSmtpServer;
  app: TestApp;
}

/**
 * For the enclosing describe block: a real SMTP server and the app sending through it,
 * started before its tests and stopped after them.
 */
export function useSmtpApp(env: Record<string, string | undefined> = {}): SmtpAppFixture {
  const fixture = {} as SmtpAppFixture;
  beforeAll(async () => {
    fixture.smtp = await TestSmtpServer.start();
    fixture.app = await createTestApp({ env: { SMTP_URL: fixture.smtp.url, ...env } });
  });
  afterAll(async () => {
    await fixture.app?.close();
    await fixture.smtp?.stop();
  });
  return fixture;
}
