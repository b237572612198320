import fc from 'fast-check';
import { type PushOutcome } from '../push-outcome';
import { type ApnsAnswer, classifyApnsAnswer, isExpiredProviderToken } from './apns-outcome';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);

function answer(status: number, body: object | string = '', extra: Partial<ApnsAnswer> = {}) {
  return {
    status,
    apnsId: null,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    retryAfter: null,
    ...extra,
  };
}

describe('classifyApnsAnswer', () => {
  it('reads 200 as sent, with the apns-id APNs gave as the provider id', () => {
    const id = '0f3c1c2e-7a3b-4c1d-9e8f-0a1b2c3d4e5f';
    expect(classifyApnsAnswer(answer(200, '', { apnsId: id }), NOW)).toEqual({
      kind: 'sent',
      statusCode: 200,
      providerId: id,
    });
  });

  it.each([
    ['Unregistered', 1_764_000_000_000],
    ['ExpiredToken', 1_764_000_123_000],
  ])('reads 410 %s as remove the device, dated by APNs timestamp', (reason, timestamp) => {
    expect(classifyApnsAnswer(answer(410, { reason, timestamp }), NOW)).toEqual({
      kind: 'remove_device',
      statusCode: 410,
      reason,
      unregisteredAt: new Date(timestamp),
    });
  });

  it('reads 410 without a timestamp as remove the device now', () => {
    expect(classifyApnsAnswer(answer(410, { reason: 'Unregistered' }), NOW)).toMatchObject({
      kind: 'remove_device',
      unregisteredAt: null,
    });
  });

  it.each(['BadDeviceToken', 'DeviceTokenNotForTopic'])(
    'reads 400 %s as remove the device now',
    (reason) => {
      expect(classifyApnsAnswer(answer(400, { reason }), NOW)).toEqual({
        kind: 'remove_device',
        statusCode: 400,
        reason,
        unregisteredAt: null,
      });
    },
  );

  it.each<[string, ApnsAnswer, PushOutcome]>([
    [
      '429 with retry-after in seconds',
      answer(429, { reason: 'TooManyRequests' }, { retryAfter: '2' }),
      {
        kind: 'retry',
        statusCode: 429,
        reason: 'TooManyRequests',
        retryAfterMs: 2000,
        minDelayMs: 0,
      },
    ],
    [
      '429 with retry-after as an HTTP date',
      answer(
        429,
        { reason: 'TooManyRequests' },
        { retryAfter: new Date(NOW + 5000).toUTCString() },
      ),
      {
        kind: 'retry',
        statusCode: 429,
        reason: 'TooManyRequests',
        retryAfterMs: 5000,
        minDelayMs: 0,
      },
    ],
    [
      '500 without a body',
      answer(500),
      { kind: 'retry', statusCode: 500, reason: 'HTTP 500', retryAfterMs: null, minDelayMs: 0 },
    ],
    [
      '503 ServiceUnavailable',
      answer(503, { reason: 'ServiceUnavailable' }),
      {
        kind: 'retry',
        statusCode: 503,
        reason: 'ServiceUnavailable',
        retryAfterMs: null,
        minDelayMs: 0,
      },
    ],
  ])('reads %s as retry later', (_name, given, expected) => {
    expect(classifyApnsAnswer(given, NOW)).toEqual(expected);
  });

  it.each([
    [403, 'ExpiredProviderToken'],
    [403, 'InvalidProviderToken'],
    [403, 'MissingProviderToken'],
    [403, 'BadCertificate'],
    [403, 'BadCertificateEnvironment'],
    [400, 'TopicDisallowed'],
    [403, 'TopicDisallowed'],
  ])('reads %i %s as failed, alerting an operator', (status, reason) => {
    expect(classifyApnsAnswer(answer(status, { reason }), NOW)).toEqual({
      kind: 'failed',
      statusCode: status,
      reason,
      alert: true,
    });
  });

  it.each([
    [400, 'BadCollapseId'],
    [400, 'PayloadEmpty'],
    [405, 'MethodNotAllowed'],
    [413, 'PayloadTooLarge'],
    [410, 'SomethingNew'],
    [404, 'not json'],
  ])('reads %i %s as failed, recorded without an alert', (status, reason) => {
    const body = reason === 'not json' ? '<html>' : { reason };
    expect(classifyApnsAnswer(answer(status, body), NOW)).toEqual({
      kind: 'failed',
      statusCode: status,
      reason: reason === 'not json' ? `HTTP ${status}` : reason,
      alert: false,
    });
  });

  it('tells the client which answers call for a new provider token', () => {
    expect(isExpiredProviderToken(answer(403, { reason: 'ExpiredProviderToken' }))).toBe(true);
    expect(isExpiredProviderToken(answer(403, { reason: 'InvalidProviderToken' }))).toBe(false);
    expect(isExpiredProviderToken(answer(400, { reason: 'ExpiredProviderToken' }))).toBe(false);
  });

  const anyAnswer = fc.record({
    status: fc.integer({ min: 100, max: 599 }),
    apnsId: fc.option(fc.uuid(), { nil: null }),
    body: fc.oneof(
      fc.string(),
      fc
        .record({
          reason: fc.oneof(
            fc.constantFrom('Unregistered', 'BadDeviceToken', 'ExpiredProviderToken'),
            fc.string(),
          ),
          timestamp: fc.oneof(fc.integer(), fc.double(), fc.string()),
        })
        .map((b) => JSON.stringify(b)),
    ),
    retryAfter: fc.option(fc.string(), { nil: null }),
  });

  it('never throws, never retries a 2xx and retries only 429 and 5xx', () => {
    fc.assert(
      fc.property(anyAnswer, (given) => {
        const outcome = classifyApnsAnswer(given, NOW);
        if (given.status >= 200 && given.status < 300) expect(outcome.kind).toBe('sent');
        expect(outcome.kind === 'retry').toBe(given.status === 429 || given.status >= 500);
        if (outcome.kind === 'retry') expect(outcome.retryAfterMs ?? 0).toBeGreaterThanOrEqual(0);
        if (outcome.kind !== 'sent') expect(outcome.statusCode).toBe(given.status);
      }),
    );
  });

  it('removes a device only on 400 and 410, with a valid date or none', () => {
    fc.assert(
      fc.property(anyAnswer, (given) => {
        const outcome = classifyApnsAnswer(given, NOW);
        if (outcome.kind !== 'remove_device') return;
        expect([400, 410]).toContain(given.status);
        expect(
          outcome.unregisteredAt === null || !Number.isNaN(outcome.unregisteredAt.getTime()),
        ).toBe(true);
      }),
    );
  });
});
