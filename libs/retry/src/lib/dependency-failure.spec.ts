import fc from 'fast-check';
import {
  DependencyUnavailableError,
  isDependencyFailure,
  outageBackoffMs,
} from './dependency-failure';
import { transportFailureOf } from './classify-outcome';

function withCode(code: unknown, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

describe('telling a dependency outage from a failure of the work itself', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset connection', withCode('ECONNRESET')],
    ['a socket timeout', withCode('ETIMEDOUT')],
    ['Postgres shutting down (57P01)', withCode('57P01', 'terminating connection')],
    ['Postgres starting up (57P03)', withCode('57P03')],
    ['a Postgres connection failure (08006)', withCode('08006')],
    ['too many connections (53300)', withCode('53300')],
    ['pg-pool giving up', new Error('timeout exceeded when trying to connect')],
    ['a connection dropped mid-query', new Error('Connection terminated unexpectedly')],
    [
      'a broker that cannot be reached',
      Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' }),
    ],
    [
      "a transaction's next statement after its connection died (TypeORM)",
      Object.assign(
        new Error('Database connection provided by a query runner was already released'),
        {
          name: 'QueryRunnerProviderAlreadyReleasedError',
        },
      ),
    ],
    [
      "a transaction's COMMIT after its connection died (TypeORM)",
      Object.assign(new Error('Query runner already released. Cannot run queries anymore.'), {
        name: 'QueryRunnerAlreadyReleasedError',
      }),
    ],
    ['our own marker', new DependencyUnavailableError('stripe', 'Stripe answered 503')],
  ])('counts %s as an outage', (_what, err) => {
    expect(isDependencyFailure(err)).toBe(true);
  });

  it('looks through the wrappers TypeORM, kafkajs and Error.cause put around the real error', () => {
    const refused = withCode('ECONNREFUSED');
    expect(
      isDependencyFailure(Object.assign(new Error('query failed'), { driverError: refused })),
    ).toBe(true);
    expect(
      isDependencyFailure(Object.assign(new Error('retries'), { originalError: refused })),
    ).toBe(true);
    expect(isDependencyFailure(new Error('outer', { cause: refused }))).toBe(true);
    expect(isDependencyFailure(new AggregateError([new Error('a'), refused]))).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', withCode('23505', 'duplicate key')],
    ['a serialization failure (40001)', withCode('40001')],
    [
      'a type error in a handler',
      new TypeError("Cannot read properties of undefined (reading 'id')"),
    ],
    ['a numeric code', withCode(20, 'This operation was aborted')],
    ['a string thrown', 'boom'],
    ['nothing at all', undefined],
  ])('does not count %s as an outage', (_what, err) => {
    expect(isDependencyFailure(err)).toBe(false);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(typeof isDependencyFailure(value)).toBe('boolean');
      }),
    );
  });

  it('stops at a cause that refers back to itself', () => {
    const err: Error & { cause?: unknown } = new Error('loop');
    err.cause = err;
    expect(isDependencyFailure(err)).toBe(false);
  });
});

describe('waiting out an outage', () => {
  it('starts short, grows, and is capped at about five seconds', () => {
    const mid = () => 0.5;
    expect(outageBackoffMs(1, mid)).toBe(250);
    expect(outageBackoffMs(2, mid)).toBe(500);
    expect(outageBackoffMs(10, mid)).toBe(5000);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (n, r) => {
          const delay = outageBackoffMs(n, () => r);
          expect(delay).toBeGreaterThanOrEqual(200);
          expect(delay).toBeLessThanOrEqual(6000);
        },
      ),
    );
  });
});

describe('transport failures with codes that are not strings', () => {
  it("classifies an aborted request's DOMException (numeric code 20) without throwing", () => {
    expect(transportFailureOf(20)).toBe('other');
    expect(transportFailureOf('AbortError')).toBe('timeout');
    expect(transportFailureOf('TimeoutError')).toBe('timeout');
    expect(transportFailureOf(undefined)).toBe('other');
    expect(transportFailureOf('toString')).toBe('other');
  });
});
