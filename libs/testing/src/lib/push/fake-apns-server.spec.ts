import { generateKeyPairSync } from 'node:crypto';
import { type ClientHttp2Session, connect } from 'node:http2';
import { waitFor } from '../wait-for';
import { FakeApnsServer } from './fake-apns-server';

const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const TOKEN = 'ab'.repeat(32);

function post(
  session: ClientHttp2Session,
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path });
    let status = 0;
    let body = '';
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
    stream.end('{"aps":{}}');
  });
}

describe('FakeApnsServer', () => {
  let fake: FakeApnsServer;
  let session: ClientHttp2Session;

  beforeEach(async () => {
    fake = await FakeApnsServer.start({
      publicKey,
      keyId: 'KEY1',
      teamId: 'TEAM1',
      topics: ['com.example.app'],
    });
    session = connect(`https://localhost:${fake.port}`, { ca: fake.caPem });
    await new Promise((resolve) => session.once('remoteSettings', resolve));
  });

  afterEach(async () => {
    session.destroy();
    await fake.stop();
  });

  it('allows one stream at a time on a connection that has shown no valid token', async () => {
    // Given the fake holds its answers
    fake.hold();

    // When a client without a token sends two requests at once
    const answers = Promise.all([
      post(session, `/3/device/${TOKEN}`),
      post(session, `/3/device/${TOKEN}`),
    ]);
    await waitFor('the first stream', () => fake.openStreams === 1, { timeoutMs: 5_000 });
    fake.release();

    // Then they were taken one after the other, and refused as Apple refuses them
    expect(await answers).toEqual([
      { status: 403, body: '{"reason":"MissingProviderToken"}' },
      { status: 403, body: '{"reason":"MissingProviderToken"}' },
    ]);
    expect(fake.maxConcurrentStreams).toBe(1);
    expect(session.remoteSettings.maxConcurrentStreams).toBe(1);
  });

  it('answers a path other than /3/device/<token> with 404 BadPath', async () => {
    expect(await post(session, '/3/devices')).toEqual({
      status: 404,
      body: '{"reason":"BadPath"}',
    });
  });
});
