import { classifyOutcome, transportFailureOf } from './classify-outcome';
import { parseRetryAfter } from './retry-after';

describe('what an attempt means', () => {
  it.each([
    [200, 'success'],
    [204, 'success'],
    [408, 'retry'],
    [425, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [410, 'disable_endpoint'],
    [400, 'give_up'],
    [404, 'give_up'],
    [301, 'retry'],
  ])('HTTP %i means %s', (status, verdict) => {
    expect(classifyOutcome({ status })).toBe(verdict);
  });

  it('retries other 4xx only when configured to, all or some', () => {
    expect(classifyOutcome({ status: 404 }, { retryClientErrors: true })).toBe('retry');
    expect(classifyOutcome({ status: 404 }, { retryClientErrors: [404] })).toBe('retry');
    expect(classifyOutcome({ status: 400 }, { retryClientErrors: [404] })).toBe('give_up');
  });

  it.each([
    ['ETIMEDOUT', 'timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['ECONNREFUSED', 'connection'],
    ['ECONNRESET', 'connection'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['SOMETHING_ELSE', 'other'],
  ] as const)('treats %s as a %s failure, and retries it', (code, kind) => {
    expect(transportFailureOf(code)).toBe(kind);
    expect(classifyOutcome({ transportFailure: transportFailureOf(code) })).toBe('retry');
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
  });

  it('treats a past date as now, and ignores what it cannot read', () => {
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('whenever', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
