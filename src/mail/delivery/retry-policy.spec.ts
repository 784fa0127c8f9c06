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
  const settings = { maxAttempts: 4, retryBaseMs: 1000, retryMaxMs: 10_000 };

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
});
