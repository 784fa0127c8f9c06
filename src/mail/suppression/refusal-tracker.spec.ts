import { RefusalTracker } from './refusal-tracker';

const email = {
  from: 'a@example.com',
  to: ['Ada <Ada@Example.com>'],
  cc: ['b@example.com'],
  subject: 's',
};
const rejected = (message: string, smtpCode = 550) => ({
  code: 'rejected' as const,
  smtpCode,
  message,
  retryable: false,
});

describe(RefusalTracker.name, () => {
  it('keeps the receipt’s 5xx RCPT refusals until the email settles, once', () => {
    const sut = new RefusalTracker();
    sut.sent('1', {
      messageId: 'm',
      rejected: [
        { address: 'Gone@Example.com', smtpCode: 550 },
        { address: 'busy@example.com', smtpCode: 452 },
      ],
    });
    expect(sut.take('1')).toEqual([{ address: 'gone@example.com', reason: '550 at RCPT' }]);
    expect(sut.take('1')).toBeUndefined();
  });

  it('every recipient when all were refused at RCPT', () => {
    const sut = new RefusalTracker();
    sut.failed(
      '2',
      email,
      { stage: 'rcpt' },
      rejected('SMTP server rejected the message at rcpt: 550 5.1.1 no such user'),
    );
    expect(sut.take('2')).toEqual([
      { address: 'ada@example.com', reason: '550 5.1.1 no such user' },
      { address: 'b@example.com', reason: '550 5.1.1 no such user' },
    ]);
  });

  it.each([
    ['a content refusal after DATA', { stage: 'data' }, '554 5.7.1 looks like spam', 554],
    ['a refused sender', { stage: 'mail' }, '550 5.1.8 bad sender domain', 550],
    ['a 4xx', { stage: 'rcpt' }, '450 4.2.0 try later', 450],
  ])('nobody for %s', (_case, cause, reply, code) => {
    const sut = new RefusalTracker();
    sut.failed(
      '3',
      email,
      cause,
      rejected(`SMTP server rejected the message at x: ${reply}`, code),
    );
    expect(sut.take('3')).toBeUndefined();
  });

  it('a mailbox refusal after DATA (5.1.1) counts', () => {
    const sut = new RefusalTracker();
    sut.failed(
      '4',
      email,
      { stage: 'data' },
      rejected('SMTP server rejected the message at data: 550 5.1.1 unknown user'),
    );
    expect(sut.take('4')).toHaveLength(2);
  });
});
