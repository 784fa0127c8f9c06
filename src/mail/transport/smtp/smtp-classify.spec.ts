import { ChannelFault } from './smtp-channel';
import { downCause, faultError, handsOver, judgeRecipients, replyError } from './smtp-classify';
import { SmtpDeliveryError, timedOut, unreachable, type SmtpStage } from './smtp-error';
import type { SmtpReply } from './smtp-reply';

const reply = (code: number, text = 'text'): SmtpReply => ({ code, lines: [text] });

describe('SMTP classification', () => {
  describe(replyError.name, () => {
    const sessionStages: SmtpStage[] = ['greeting', 'ehlo', 'starttls'];
    const messageStages: SmtpStage[] = ['mail', 'rcpt', 'data', 'message'];

    it.each([...sessionStages, 'auth', ...messageStages] as SmtpStage[])(
      '4xx at %s: deferred, retryable',
      (stage) => {
        for (const code of [421, 450, 451, 452, 454]) {
          expect(replyError(stage, reply(code))).toMatchObject({
            code: 'deferred',
            smtpCode: code,
            retryable: true,
            stage,
          });
        }
      },
    );

    it.each(messageStages)('5xx at %s: the message is rejected, final', (stage) => {
      const sut = replyError(stage, reply(550, 'no such user'));
      expect(sut).toMatchObject({ code: 'rejected', smtpCode: 550, retryable: false });
      expect(sut.message).toContain('550 no such user');
    });

    it.each(sessionStages)('5xx at %s: the session is refused, retryable', (stage) => {
      expect(replyError(stage, reply(554))).toMatchObject({ code: 'protocol', retryable: true });
    });

    it('5xx at AUTH: our credentials, final, never echoing the server text', () => {
      const sut = replyError('auth', reply(535, 'user bob bad password hunter2'));
      expect(sut).toMatchObject({ code: 'auth', smtpCode: 535, retryable: false });
      expect(sut.message).not.toContain('hunter2');
    });

    it('a 2xx or 3xx where another was needed is outside the protocol, retryable', () => {
      expect(replyError('data', reply(250))).toMatchObject({ code: 'protocol', retryable: true });
    });

    it('the reply text is flattened and bounded', () => {
      const sut = replyError('rcpt', { code: 550, lines: ['a\r\nb', 'x'.repeat(500)] });
      expect(sut.message).not.toMatch(/[\r\n]/);
      expect(sut.message.length).toBeLessThanOrEqual(360);
    });
  });

  describe(faultError.name, () => {
    it.each([
      ['timeout', 'mail', false, { code: 'timeout', possibleDuplicate: false }],
      ['timeout', 'message', true, { code: 'timeout', possibleDuplicate: true }],
      ['closed', 'rcpt', false, { code: 'connection', possibleDuplicate: false }],
      ['closed', 'message', true, { code: 'connection', possibleDuplicate: true }],
      ['garbage', 'ehlo', false, { code: 'protocol', retryable: true }],
      ['tls', 'starttls', false, { code: 'connection', stage: 'tls' }],
    ] as const)('%s at %s (after data: %s)', (kind, stage, afterData, expected) => {
      const sut = faultError(new ChannelFault(kind), stage, afterData);
      expect(sut).toMatchObject({ retryable: true, ...expected });
    });

    it('a 421 that arrived before the drop decides: deferred, not a lost connection', () => {
      const sut = faultError(new ChannelFault('closed', [reply(421, 'bye')]), 'mail');
      expect(sut).toMatchObject({ code: 'deferred', smtpCode: 421, retryable: true });
    });

    it('an already classified error passes through; anything else is a protocol error', () => {
      const known = timedOut('rcpt', false);
      expect(faultError(known, 'mail')).toBe(known);
      expect(faultError(new Error('boom'), 'mail')).toMatchObject({ code: 'protocol' });
    });
  });

  describe(`${judgeRecipients.name} (partial acceptance)`, () => {
    const to = ['a@x', 'b@x', 'c@x'];

    it('5xx recipients are dropped and reported while the others get the message', () => {
      const sut = judgeRecipients(to, [reply(250), reply(550), reply(250)]);
      expect(sut).toEqual({
        accepted: ['a@x', 'c@x'],
        rejected: [{ address: 'b@x', smtpCode: 550 }],
        failure: undefined,
      });
    });

    it('any 4xx recipient defers the whole email: nobody gets it twice', () => {
      const sut = judgeRecipients(to, [reply(250), reply(451), reply(550)]);
      expect(sut.failure).toMatchObject({ code: 451 });
    });

    it('every recipient refused: the first refusal is the failure', () => {
      const sut = judgeRecipients(to, [reply(550), reply(553), reply(550)]);
      expect(sut.failure).toMatchObject({ code: 550 });
      expect(sut.accepted).toEqual([]);
    });
  });

  describe(downCause.name, () => {
    it.each([
      [unreachable('refused'), 'refusing'],
      [timedOut('connect', false), 'stalled'],
      [timedOut('greeting', false), 'stalled'],
      [replyError('greeting', reply(421)), 'refusing'],
      [replyError('greeting', reply(554)), 'refusing'],
      [replyError('ehlo', reply(421)), 'refusing'],
      [replyError('ehlo', reply(451)), undefined],
      [unreachable('tls'), undefined],
      [replyError('auth', reply(535)), undefined],
      [replyError('rcpt', reply(421)), undefined],
      [timedOut('message', true), undefined],
    ] as const)('%s → %s', (error, cause) => {
      expect(downCause(error)).toBe(cause);
    });
  });

  describe(handsOver.name, () => {
    it.each([
      [unreachable('refused'), true],
      [timedOut('mail', false), true],
      [replyError('rcpt', reply(451)), true],
      [replyError('mail', reply(421)), true],
      [replyError('greeting', reply(554)), true],
      [replyError('auth', reply(535)), true],
      [replyError('rcpt', reply(550)), false],
      [replyError('message', reply(554)), false],
      [timedOut('message', true), false],
      [new SmtpDeliveryError('message', null, 'too big', false, 'message'), false],
    ] as const)('%s → %s', (error, expected) => {
      expect(handsOver(error)).toBe(expected);
    });
  });
});
