import fc from 'fast-check';
import { classifyFcmAnswer, FCM_QUOTA_MIN_DELAY_MS, type FcmClassification } from './fcm-outcome';

const FCM_ERROR = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';
const NOW = Date.parse('2026-11-30T12:00:00Z');

/** A google.rpc.Status body as FCM answers it (https://cloud.google.com/apis/design/errors). */
const rpc = (code: number, status: string, message: string, ...details: object[]) =>
  JSON.stringify({ error: { code, message, status, ...(details.length > 0 && { details }) } });
const fcmError = (errorCode: string) => ({ '@type': FCM_ERROR, errorCode });
const badRequest = (field: string, description: string) => ({
  '@type': BAD_REQUEST,
  fieldViolations: [{ field, description }],
});

const classify = (statusCode: number, body: string, retryAfter?: string): FcmClassification =>
  classifyFcmAnswer({ statusCode, body, retryAfter }, NOW);

describe('classifying FCM v1 answers', () => {
  it.each<[string, number, string, string | undefined, Partial<FcmClassification>]>([
    [
      'a success is sent, with the message name as the provider id',
      200,
      JSON.stringify({ name: 'projects/switchyard/messages/0:1700000000%31bd1c96' }),
      undefined,
      { kind: 'sent', providerId: 'projects/switchyard/messages/0:1700000000%31bd1c96' },
    ],
    [
      'UNREGISTERED removes the device',
      404,
      rpc(404, 'NOT_FOUND', 'Requested entity was not found.', fcmError('UNREGISTERED')),
      undefined,
      { kind: 'remove_device', reason: 'UNREGISTERED', unregisteredAt: null },
    ],
    [
      'an invalid registration token (FcmError wording) removes the device',
      400,
      rpc(
        400,
        'INVALID_ARGUMENT',
        'The registration token is not a valid FCM registration token',
        fcmError('INVALID_ARGUMENT'),
      ),
      undefined,
      { kind: 'remove_device' },
    ],
    [
      'an invalid registration token (BadRequest on message.token) removes the device',
      400,
      rpc(
        400,
        'INVALID_ARGUMENT',
        'Request contains an invalid argument.',
        fcmError('INVALID_ARGUMENT'),
        badRequest('message.token', 'Invalid registration token'),
      ),
      undefined,
      { kind: 'remove_device' },
    ],
    [
      'another invalid field fails without alerting, naming the field',
      400,
      rpc(
        400,
        'INVALID_ARGUMENT',
        "Invalid value at 'message.data[0].value' (TYPE_STRING), 123",
        badRequest(
          'message.data[0].value',
          "Invalid value at 'message.data[0].value' (TYPE_STRING), 123",
        ),
      ),
      undefined,
      { kind: 'failed', alert: false },
    ],
    [
      'QUOTA_EXCEEDED retries after at least a minute, keeping retry-after',
      429,
      rpc(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', fcmError('QUOTA_EXCEEDED')),
      '120',
      { kind: 'retry', retryAfterMs: 120_000, minDelayMs: FCM_QUOTA_MIN_DELAY_MS },
    ],
    [
      'UNAVAILABLE retries, honouring an HTTP-date retry-after',
      503,
      rpc(503, 'UNAVAILABLE', 'The service is currently unavailable.', fcmError('UNAVAILABLE')),
      new Date(NOW + 30_000).toUTCString(),
      { kind: 'retry', retryAfterMs: 30_000, minDelayMs: 0 },
    ],
    [
      'INTERNAL retries',
      500,
      rpc(500, 'INTERNAL', 'Internal error encountered.', fcmError('INTERNAL')),
      undefined,
      { kind: 'retry', retryAfterMs: null, minDelayMs: 0 },
    ],
    [
      'a 502 from a proxy, HTML and all, retries',
      502,
      '<html><body>502 Bad Gateway</body></html>',
      undefined,
      { kind: 'retry', retryAfterMs: null },
    ],
    [
      'SENDER_ID_MISMATCH fails and alerts',
      403,
      rpc(403, 'PERMISSION_DENIED', 'SenderId mismatch', fcmError('SENDER_ID_MISMATCH')),
      undefined,
      { kind: 'failed', alert: true },
    ],
    [
      'THIRD_PARTY_AUTH_ERROR fails and alerts, not a token refresh',
      401,
      rpc(
        401,
        'UNAUTHENTICATED',
        'Auth error from APNS or Web Push Service',
        fcmError('THIRD_PARTY_AUTH_ERROR'),
      ),
      undefined,
      { kind: 'failed', alert: true },
    ],
    [
      'a 401 without an FcmError asks the client for a new access token',
      401,
      rpc(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'ACCESS_TOKEN_EXPIRED',
          domain: 'googleapis.com',
        },
      ),
      undefined,
      { kind: 'reauthenticate' },
    ],
    [
      'a 403 PERMISSION_DENIED on the project fails and alerts',
      403,
      rpc(
        403,
        'PERMISSION_DENIED',
        "Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/x' (or it may not exist).",
      ),
      undefined,
      { kind: 'failed', alert: true },
    ],
    [
      'a 404 without an FcmError leaves the device alone',
      404,
      rpc(404, 'NOT_FOUND', 'Requested entity was not found.'),
      undefined,
      { kind: 'failed', alert: true },
    ],
    [
      'another 4xx fails without alerting',
      413,
      'Request Entity Too Large',
      undefined,
      { kind: 'failed', alert: false },
    ],
  ])('%s', (_promise, statusCode, body, retryAfter, expected) => {
    // Given FCM's answer; When it is classified; Then the outcome is the expected one
    const outcome = classify(statusCode, body, retryAfter);
    expect(outcome).toMatchObject({ ...expected, statusCode });
  });

  it('says which field was invalid when the message itself is at fault', () => {
    // Given a BadRequest on a data value
    const field = 'message.android.ttl';
    const body = rpc(
      400,
      'INVALID_ARGUMENT',
      `Invalid value at '${field}' (type.googleapis.com/google.protobuf.Duration), "1h"`,
      badRequest(
        field,
        `Invalid value at '${field}' (type.googleapis.com/google.protobuf.Duration), "1h"`,
      ),
    );
    // When it is classified
    const outcome = classify(400, body);
    // Then the reason names the field
    expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringContaining(field) });
  });

  const statusCodes = fc.integer({ min: 200, max: 599 });
  const errorCodes = fc.constantFrom(
    'UNSPECIFIED_ERROR',
    'INVALID_ARGUMENT',
    'UNREGISTERED',
    'SENDER_ID_MISMATCH',
    'QUOTA_EXCEEDED',
    'UNAVAILABLE',
    'INTERNAL',
    'THIRD_PARTY_AUTH_ERROR',
    'SOMETHING_NEW',
  );

  it('Given any status and FcmError code, when classified, then a device is removed only for UNREGISTERED or a bad token, and only 429/5xx or a retryable code retries', () => {
    fc.assert(
      fc.property(statusCodes, errorCodes, fc.string(), (statusCode, code, message) => {
        const outcome = classify(statusCode, rpc(statusCode, 'X', message, fcmError(code)));
        if (statusCode < 300) {
          expect(outcome.kind).toBe('sent');
          return;
        }
        if (outcome.kind === 'remove_device') {
          expect(
            code === 'UNREGISTERED' ||
              (code === 'INVALID_ARGUMENT' && /registration token/i.test(message)),
          ).toBe(true);
        }
        if (outcome.kind === 'retry') {
          expect(
            ['QUOTA_EXCEEDED', 'UNAVAILABLE', 'INTERNAL'].includes(code) ||
              statusCode === 429 ||
              statusCode >= 500,
          ).toBe(true);
        }
        if (outcome.kind === 'reauthenticate') expect(statusCode).toBe(401);
      }),
      { numRuns: 2000 },
    );
  });

  it('Given any answer body at all, when classified, then it never throws and an error status is never "sent"', () => {
    fc.assert(
      fc.property(statusCodes, fc.oneof(fc.string(), fc.json()), (statusCode, body) => {
        const outcome = classify(statusCode, body);
        expect(outcome.kind === 'sent').toBe(statusCode < 300);
      }),
      { numRuns: 2000 },
    );
  });
});
