import { FakeApnsServer } from './fake-apns-server';
import { FakeFcm } from './fake-fcm';
import { FakeGoogleOAuth } from './fake-google-oauth';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const APNS_KEY_ID = 'PUSHKEY123';
export const APNS_TEAM_ID = 'TEAMID1234';
export const APNS_TOPIC = 'com.example.shop';

/**
 * Fakes of APNs, Google's token endpoint and FCM, and the notifications settings (APNS_*, FCM_*)
 * that point the service at them, its key files written to a temporary folder.
 */
export interface PushFakes {
  readonly apns: FakeApnsServer;
  readonly oauth: FakeGoogleOAuth;
  readonly fcm: FakeFcm;
  /** The Firebase project of the service account. */
  readonly firebaseProject: string;
  /** APNS_* and FCM_* settings, with the key files written to a temporary folder. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startPushFakes(): Promise<PushFakes> {
  const folder = mkdtempSync(path.join(tmpdir(), 'push-fakes-'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const apns = await FakeApnsServer.start({
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: APNS_KEY_ID,
    teamId: APNS_TEAM_ID,
    topics: [APNS_TOPIC],
  });
  const oauth = new FakeGoogleOAuth();
  await oauth.start();
  const account = oauth.createServiceAccount('example-shop');
  const fcm = new FakeFcm({ oauth, projects: [account.projectId] });
  const fcmUrl = await fcm.start();
  const file = (name: string, text: string): string => {
    const written = path.join(folder, name);
    writeFileSync(written, text, { mode: 0o600 });
    return written;
  };
  return {
    apns,
    oauth,
    fcm,
    firebaseProject: account.projectId,
    env: {
      APNS_KEY_FILE: file(
        'AuthKey.p8',
        privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ),
      APNS_KEY_ID,
      APNS_TEAM_ID,
      // The fake answers on both names, as the two APNs hosts.
      APNS_HOST: '127.0.0.1',
      APNS_SANDBOX_HOST: 'localhost',
      APNS_PORT: String(apns.port),
      APNS_CA_FILE: file('apns-ca.pem', apns.caPem),
      FCM_SERVICE_ACCOUNT_FILE: file('service-account.json', account.keyFile),
      FCM_BASE_URL: fcmUrl,
    },
    stop: async () => {
      await Promise.all([apns.stop(), fcm.stop(), oauth.stop()]);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
