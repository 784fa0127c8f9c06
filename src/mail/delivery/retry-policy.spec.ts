import type { DeliveryErrorInfo } from './delivery-error';
import { RetryPolicy } from './retry-policy';

const transient: DeliveryErrorInfo = {
  code: 'deferred',
  smtpCode: 451,
  message: 'later',
  retryable: true,
};
const permanent: DeliveryErrorInfo = {
  code: 'rejected',
  smtpCode: 550,
  message: 'no',
  retryable: false,
};

describe(RetryPolicy.name, () => {
  const settings = {
    maxAttempts: 4,
    retryBaseMs: 1000,
    retryMaxMs: 10_000,
    deliveryLifetimeMs: 30_000,
  };

  it('retries transient failures until the attempt budget is spent', () => {
    const sut = new RetryPolicy(settings);
    expect([1, 2, 3, 4].map((attempts) => sut.shouldRetry(transient, attempts))).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('never retries permanent failures', () => {
    const sut = new RetryPolicy(settings);
    expect(sut.shouldRetry(permanent, 1)).toBe(false);
  });

  it('doubles the delay cap per attempt, up to the maximum', () => {
    const highest = new RetryPolicy(settings, () => 1);
    expect([1, 2, 3, 4, 5, 6].map((n) => highest.delayMs(n))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it('jitters between half and all of the cap', () => {
    const lowest = new RetryPolicy(settings, () => 0);
    const middle = new RetryPolicy(settings, () => 0.5);
    expect(lowest.delayMs(3)).toBe(2000);
    expect(middle.delayMs(3)).toBe(3000);
  });

  it('keeps huge attempt numbers finite', () => {
    const sut = new RetryPolicy({ ...settings, retryMaxMs: 60_000 }, () => 1);
    expect(sut.delayMs(1000)).toBe(60_000);
  });

  describe('DELIVERY_LIFETIME', () => {
    const sut = new RetryPolicy({ ...settings, maxAttempts: 10_000 }, () => 1);
    const accepted = 1_000_000;

    it('defers temporary failures while the lifetime lasts, whatever the attempt count', () => {
      expect(sut.decide(transient, 500, accepted, accepted + 1_000)).toEqual({
        kind: 'retry',
        delayMs: 10_000,
      });
    });

    it('times the last retry to the end of the lifetime, never after it', () => {
      expect(sut.decide(transient, 5, accepted, accepted + 25_000)).toEqual({
        kind: 'retry',
        delayMs: 5_000,
      });
    });

    it('fails as expired once the lifetime is spent, quoting the last error', () => {
      const decision = sut.decide(transient, 9, accepted, accepted + 30_000);

      expect(decision).toEqual({
        kind: 'fail',
        error: expect.objectContaining({ code: 'expired', smtpCode: transient.smtpCode }),
      });
      expect(decision.kind === 'fail' && decision.error.message).toContain(transient.message);
    });

    it('fails a permanent refusal at once, even early in the lifetime', () => {
      expect(sut.decide(permanent, 1, accepted, accepted)).toEqual({
        kind: 'fail',
        error: permanent,
      });
    });
  });
});
