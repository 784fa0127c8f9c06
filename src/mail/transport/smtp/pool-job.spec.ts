import type { BuiltMessage } from './message-builder';
import { cutShort, PoolJob } from './pool-job';
import { SmtpDeliveryError, timedOut } from './smtp-error';
import type { SmtpSession } from './smtp-session';
import type { TransactionResult } from './smtp-transaction';

// The job's rules alone; the pool driving them over real connections is covered by
// test/delivery/smtp-engine-*.e2e-spec.ts.
const message = {} as BuiltMessage;
/** A connection that already carried `messages` messages: all the job asks of it. */
const session = (messages: number) => ({ messages }) as SmtpSession;
const staleError = () => new SmtpDeliveryError('connection', null, 'closed', true, 'mail');
const result: TransactionResult = { response: '250 ok', accepted: ['a@example.com'], rejected: [] };

function makeJob(timeoutMs = 60_000) {
  const outcomes: Array<['resolved', TransactionResult] | ['rejected', SmtpDeliveryError]> = [];
  const expired: PoolJob[] = [];
  const job = new PoolJob(
    message,
    (r) => outcomes.push(['resolved', r]),
    (e) => outcomes.push(['rejected', e]),
    timeoutMs,
    (j) => expired.push(j),
  );
  return { job, outcomes, expired };
}

describe(PoolJob.name, () => {
  afterEach(() => jest.useRealTimers());

  it('moves queued → envelope → body on its connection, and comes off it', () => {
    const { job } = makeJob();
    const on = session(0);
    expect(job.phase).toBe('queued');
    job.wroteBody(); // not on a connection: nothing was written
    expect(job.phase).toBe('queued');
    job.start(on, false);
    expect([job.phase, job.session]).toEqual(['envelope', on]);
    job.wroteBody();
    expect(job.phase).toBe('body');
    job.off();
    expect(job.session).toBeUndefined();
    job.settle(undefined, result);
  });

  it('settles once: the first outcome wins, later ones are refused', () => {
    const { job, outcomes } = makeJob();
    expect(job.settle(undefined, result)).toBe(true);
    expect(job.settle(timedOut('mail', false))).toBe(false);
    expect(job.done).toBe(true);
    expect(job.phase).toBe('settled');
    expect(outcomes).toEqual([['resolved', result]]);
  });

  it('a settled job cannot start again', () => {
    const { job } = makeJob();
    job.settle(timedOut('mail', false));
    job.start(session(0), false);
    expect([job.phase, job.session]).toEqual(['settled', undefined]);
  });

  describe('requeueAfter (a reused connection the server closed while idle)', () => {
    it('moves once to a fresh connection, back to queued', () => {
      const { job } = makeJob();
      const stale = session(3);
      job.start(stale, false);
      job.off();
      expect(job.requeueAfter(stale, staleError())).toBe(true);
      expect(job.phase).toBe('queued');
      job.start(stale, false);
      job.off();
      expect(job.requeueAfter(stale, staleError())).toBe(false);
      job.settle(staleError());
    });

    it.each([
      ['a fresh connection (nothing sent on it yet)', 0, false, staleError()],
      ['an overlapped envelope (its connection was busy)', 3, true, staleError()],
      [
        'a failure after MAIL (the server read the envelope)',
        3,
        false,
        new SmtpDeliveryError('connection', null, 'closed', true, 'rcpt'),
      ],
      [
        'a reply, not a lost connection',
        3,
        false,
        new SmtpDeliveryError('deferred', 451, 'later', true, 'mail'),
      ],
    ])('not after %s', (_, messages, overlapped, error) => {
      const { job } = makeJob();
      const on = session(messages);
      job.start(on, overlapped);
      job.off();
      expect(job.requeueAfter(on, error)).toBe(false);
      job.settle(error);
    });

    it('not once the watchdog settled it', () => {
      const { job } = makeJob();
      const stale = session(3);
      job.start(stale, false);
      job.settle(timedOut('mail', false));
      job.off();
      expect(job.requeueAfter(stale, staleError())).toBe(false);
      expect(job.phase).toBe('settled');
    });
  });

  it('its watchdog fires after the timeout unless it settled first', () => {
    jest.useFakeTimers();
    const first = makeJob(1000);
    const second = makeJob(1000);
    second.job.settle(undefined, result);
    jest.advanceTimersByTime(999);
    expect(first.expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(first.expired).toEqual([first.job]);
    expect(second.expired).toEqual([]);
    first.job.settle(timedOut('mail', false));
  });

  it('cutShort: every send on the cut connection fails, a duplicate risk only past its body', () => {
    const cut = session(1);
    const other = session(1);
    const [body, envelope, elsewhere] = [makeJob(), makeJob(), makeJob()].map((m) => m.job);
    body.start(cut, false);
    body.wroteBody();
    envelope.start(cut, true);
    elsewhere.start(other, false);
    const seen: Array<[PoolJob, string, boolean]> = [];
    cutShort([body, envelope, elsewhere], cut, (job, error, duplicate) => {
      seen.push([job, error.stage, duplicate]);
      expect(error.possibleDuplicate).toBe(duplicate);
      job.settle(error);
    });
    expect(seen).toEqual([
      [body, 'message', true],
      [envelope, 'mail', false],
    ]);
    elsewhere.settle(undefined, result);
  });
});
