import { classifyMailerError } from './mailer-errors';

/** The classified error in the plain shape stored with an email. */
const classify = (error: unknown) => classifyMailerError(error).toInfo();

/** Errors shaped as nodemailer raises them. */
const smtpError = (responseCode: number, response: string, code = 'EENVELOPE') =>
  Object.assign(new Error(`Message failed: ${response}`), {
    code,
    responseCode,
    response,
    command: 'DATA',
  });

describe(classifyMailerError.name, () => {
  it.each([421, 450, 451, 452])('treats SMTP %i as a transient deferral', (code) => {
    const sut = classify(smtpError(code, `${code} 4.7.1 Try again later`));
    expect(sut).toEqual({
      code: 'deferred',
      smtpCode: code,
      message: `SMTP server deferred the message: ${code} 4.7.1 Try again later`,
      retryable: true,
    });
  });

  it.each([550, 551, 552, 553, 554])('treats SMTP %i as a permanent rejection', (code) => {
    const sut = classify(smtpError(code, `${code} 5.1.1 No such user`));
    expect(sut).toMatchObject({ code: 'rejected', smtpCode: code, retryable: false });
  });

  it('treats rejected credentials as a permanent auth failure without echoing the reply', () => {
    const sut = classify(smtpError(535, '535 5.7.8 Authentication failed for user admin', 'EAUTH'));
    expect(sut).toEqual({
      code: 'auth',
      smtpCode: 535,
      message: 'SMTP server rejected the configured credentials',
      retryable: false,
    });
  });

  it.each(['ECONNECTION', 'ESOCKET', 'ECONNREFUSED', 'ECONNRESET', 'EDNS', 'ETLS'])(
    'treats %s as a transient connection failure that names no host',
    (code) => {
      const err = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:587'), { code });
      const sut = classify(err);
      expect(sut).toEqual({
        code: 'connection',
        smtpCode: null,
        message: 'could not reach the SMTP server',
        retryable: true,
      });
    },
  );

  it('treats timeouts as transient', () => {
    expect(classify(Object.assign(new Error('Timeout'), { code: 'ETIMEDOUT' }))).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    expect(classify(new Error('Greeting never received: timed out'))).toMatchObject({
      code: 'timeout',
    });
  });

  it('treats an unbuildable message as permanent', () => {
    const sut = classify(Object.assign(new Error('No recipients defined'), { code: 'EENVELOPE' }));
    expect(sut).toMatchObject({ code: 'message', smtpCode: null, retryable: false });
  });

  it('flattens and truncates long multi-line replies', () => {
    const reply = `550-5.7.1 first line\r\n550 5.7.1 ${'x'.repeat(500)}`;
    const sut = classify(smtpError(550, reply));
    expect(sut.message).not.toMatch(/[\r\n]/);
    expect(sut.message.length).toBeLessThanOrEqual(340);
  });

  it('treats anything unrecognised as unknown but retryable', () => {
    expect(classify('boom')).toEqual({
      code: 'unknown',
      smtpCode: null,
      message: 'delivery failed',
      retryable: true,
    });
    expect(classify(null)).toMatchObject({ code: 'unknown' });
  });
});
