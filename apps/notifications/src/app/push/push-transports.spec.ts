import { loadConfig } from '@switchyard/service';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NotificationsEnv } from '../notifications-env';
import { PushConfigError, PushTransports } from './push-transports';

const base = { DATABASE_URL: 'postgres://localhost/x', KAFKA_BROKERS: '127.0.0.1:9092' };
const configOf = (env: Record<string, string>) => loadConfig(NotificationsEnv, { ...base, ...env });

describe('the push providers an instance can reach, from its settings', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'push-transports-'));
  const keyFile = path.join(folder, 'AuthKey.p8');
  writeFileSync(
    keyFile,
    generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  );

  it('sends no push without credentials', () => {
    expect(PushTransports.fromConfig(configOf({})).enabled).toBe(false);
  });

  it('reaches APNs with its key file, key id and team id', async () => {
    const transports = PushTransports.fromConfig(
      configOf({ APNS_KEY_FILE: keyFile, APNS_KEY_ID: 'ABC123DEFG', APNS_TEAM_ID: 'TEAM123456' }),
    );
    expect(transports.platforms).toEqual(['apns']);
    await transports.close();
  });

  it('refuses half an APNs configuration, naming the three settings', () => {
    expect(() => PushTransports.fromConfig(configOf({ APNS_KEY_FILE: keyFile }))).toThrow(
      PushConfigError,
    );
    expect(() => PushTransports.fromConfig(configOf({ APNS_KEY_FILE: keyFile }))).toThrow(
      /APNS_KEY_FILE, APNS_KEY_ID and APNS_TEAM_ID together/,
    );
  });

  it('says which setting names a file it cannot read', () => {
    expect(() =>
      PushTransports.fromConfig(
        configOf({ FCM_SERVICE_ACCOUNT_FILE: path.join(folder, 'missing.json') }),
      ),
    ).toThrow(/FCM_SERVICE_ACCOUNT_FILE=.*missing\.json cannot be read \(ENOENT\)/);
  });
});
