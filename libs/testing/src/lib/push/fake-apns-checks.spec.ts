import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { type IncomingHttpHeaders } from 'node:http2';
import { checkHeaders, checkPayload, checkProviderToken, deviceTokenOf } from './fake-apns-checks';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const NOW_S = 1_800_000_000;
const rules = { publicKey, keyId: 'KEY1', teamId: 'TEAM1', nowSeconds: NOW_S };
const TOKEN = 'ab'.repeat(32);
const TOPICS = new Set(['com.example.app']);

function jwt(
  claims: Record<string, unknown> = { iss: 'TEAM1', iat: NOW_S },
  header: Record<string, unknown> = { alg: 'ES256', kid: 'KEY1' },
  key: KeyObject = privateKey,
): string {
  const encode = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

const validHeaders: IncomingHttpHeaders = {
  'apns-topic': 'com.example.app',
  'apns-push-type': 'alert',
  'apns-priority': '10',
  'apns-expiration': '0',
  'apns-collapse-id': 'c',
  'apns-id': '123e4567-e89b-12d3-a456-426614174000',
};

describe('the fake APNs checks', () => {
  it('accepts a fresh ES256 token signed by the key, naming the key and team', () => {
    expect(checkProviderToken(`bearer ${jwt()}`, rules)).toBeNull();
    expect(
      checkProviderToken(`bearer ${jwt({ iss: 'TEAM1', iat: NOW_S - 3600 })}`, rules),
    ).toBeNull();
  });

  it.each<[string, string, string | undefined]>([
    ['no header', 'MissingProviderToken', undefined],
    ['not a bearer JWT', 'InvalidProviderToken', 'basic abc'],
    ['another key', 'InvalidProviderToken', `bearer ${jwt(undefined, undefined, other)}`],
    [
      'another kid',
      'InvalidProviderToken',
      `bearer ${jwt(undefined, { alg: 'ES256', kid: 'KEY2' })}`,
    ],
    ['another team', 'InvalidProviderToken', `bearer ${jwt({ iss: 'TEAM2', iat: NOW_S })}`],
    [
      'iat in the future',
      'InvalidProviderToken',
      `bearer ${jwt({ iss: 'TEAM1', iat: NOW_S + 5 })}`,
    ],
    [
      'iat over an hour ago',
      'ExpiredProviderToken',
      `bearer ${jwt({ iss: 'TEAM1', iat: NOW_S - 3601 })}`,
    ],
  ])('refuses a token with %s with 403 %s', (_case, reason, authorization) => {
    expect(checkProviderToken(authorization, rules)).toEqual({ status: 403, reason });
  });

  it('reads the device token from the path, and refuses other paths', () => {
    expect(deviceTokenOf(`/3/device/${TOKEN}`)).toEqual({ token: TOKEN });
    expect(deviceTokenOf('/3/device/')).toEqual({ status: 400, reason: 'MissingDeviceToken' });
    expect(deviceTokenOf('/2/device/x')).toEqual({ status: 404, reason: 'BadPath' });
  });

  it('accepts valid headers', () => {
    expect(checkHeaders(validHeaders, TOKEN, TOPICS)).toBeNull();
  });

  it.each<[string, string, IncomingHttpHeaders, string]>([
    ['no topic', 'MissingTopic', { 'apns-topic': undefined }, TOKEN],
    ['another topic', 'TopicDisallowed', { 'apns-topic': 'com.other' }, TOKEN],
    ['a short device token', 'BadDeviceToken', {}, 'abcd'],
    ['an unknown push type', 'InvalidPushType', { 'apns-push-type': 'banner' }, TOKEN],
    ['priority 7', 'BadPriority', { 'apns-priority': '7' }, TOKEN],
    ['a date as expiration', 'BadExpirationDate', { 'apns-expiration': '2030-01-01' }, TOKEN],
    ['a 65-byte collapse id', 'BadCollapseId', { 'apns-collapse-id': 'x'.repeat(65) }, TOKEN],
    ['an apns-id not a UUID', 'BadMessageId', { 'apns-id': 'push-1' }, TOKEN],
  ])('refuses %s with 400 %s', (_case, reason, change, token) => {
    expect(checkHeaders({ ...validHeaders, ...change }, token, TOPICS)).toEqual({
      status: 400,
      reason,
    });
  });

  it('accepts a payload of 4,096 bytes with aps, and refuses larger, empty or aps-less ones', () => {
    const sized = (n: number) => {
      const base = JSON.stringify({ aps: {}, x: '' });
      return Buffer.from(JSON.stringify({ aps: {}, x: 'y'.repeat(n - base.length) }));
    };
    expect(checkPayload(sized(4096))).toEqual({ payload: expect.objectContaining({ aps: {} }) });
    expect(checkPayload(sized(4097))).toEqual({ status: 413, reason: 'PayloadTooLarge' });
    expect(checkPayload(Buffer.alloc(0))).toEqual({ status: 400, reason: 'PayloadEmpty' });
    expect(checkPayload(Buffer.from('{"x":1}'))).toEqual({ status: 400, reason: 'PayloadEmpty' });
  });
});
