import fc from 'fast-check';
import { SignInThrottle } from './sign-in-throttle';

describe('the sign-in throttle per client address', () => {
  it('blocks an address after `limit` failures in the window, until the first leaves it', () => {
    let now = 1_000_000;
    const throttle = new SignInThrottle(3, 60_000, 100, () => now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.blockedUntil('10.0.0.1')).toBeNull();
      throttle.recordFailure('10.0.0.1');
      now += 1000;
    }
    expect(throttle.blockedUntil('10.0.0.1')).toEqual(new Date(1_000_000 + 60_000));
    expect(throttle.blockedUntil('10.0.0.2')).toBeNull();
    now = 1_000_000 + 60_001;
    expect(throttle.blockedUntil('10.0.0.1')).toBeNull();
  });

  it('never blocks an address with fewer failures in the window than the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 120_000 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        (offsets, limit) => {
          let now = 0;
          const throttle = new SignInThrottle(limit, 60_000, 100, () => now);
          const times: number[] = [];
          for (const offset of [...offsets].sort((a, b) => a - b)) {
            now = offset;
            const inWindow = times.filter((t) => t > now - 60_000).length;
            expect(throttle.blockedUntil('a') !== null).toBe(inWindow >= limit);
            throttle.recordFailure('a');
            times.push(now);
          }
        },
      ),
    );
  });

  it('keeps at most `maxAddresses` addresses, forgetting the one that failed longest ago', () => {
    const throttle = new SignInThrottle(1, 60_000, 2, () => 0);
    throttle.recordFailure('a');
    throttle.recordFailure('b');
    throttle.recordFailure('c');
    expect(throttle.blockedUntil('a')).toBeNull();
    expect(throttle.blockedUntil('b')).not.toBeNull();
    expect(throttle.blockedUntil('c')).not.toBeNull();
  });
});
