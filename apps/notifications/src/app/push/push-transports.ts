import { readFileSync } from 'node:fs';
import { type NotificationsConfig } from '../notifications-env';
import { ApnsClient } from './apns/apns.client';
import { FcmClient } from './fcm/fcm.client';
import { parseServiceAccount } from './fcm/service-account';
import { type PushDevice, type PushTransport } from './push-message';

/** Push is configured wrongly; the message names the setting to fix. */
export class PushConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PushConfigError';
  }
}

/** How often an idle APNs connection is pinged, so that a dead one is noticed before a send. */
const APNS_PING_INTERVAL_MS = 60_000;

/**
 * The push providers this instance can reach, by platform: APNs when its key is configured, FCM
 * when its service account is. Devices of a platform without a transport get no push.
 */
export class PushTransports {
  private constructor(
    private readonly byPlatform: ReadonlyMap<PushDevice['platform'], PushTransport>,
  ) {}

  static fromConfig(config: NotificationsConfig): PushTransports {
    const transports = new Map<PushDevice['platform'], PushTransport>();
    const apns = apnsFrom(config);
    if (apns) transports.set('apns', apns);
    const fcm = fcmFrom(config);
    if (fcm) transports.set('fcm', fcm);
    return new PushTransports(transports);
  }

  get platforms(): PushDevice['platform'][] {
    return [...this.byPlatform.keys()];
  }

  get enabled(): boolean {
    return this.byPlatform.size > 0;
  }

  for(platform: PushDevice['platform']): PushTransport | undefined {
    return this.byPlatform.get(platform);
  }

  async close(): Promise<void> {
    await Promise.all([...this.byPlatform.values()].map((t) => t.close()));
  }

  /** After the delivery worker has stopped (its sends end first). */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

function readSetting(file: string, setting: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new PushConfigError(
      `${setting}=${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): point it at the file`,
    );
  }
}

function apnsFrom(config: NotificationsConfig): ApnsClient | null {
  const given = [config.APNS_KEY_FILE, config.APNS_KEY_ID, config.APNS_TEAM_ID];
  if (given.every((v) => v === undefined)) return null;
  if (!config.APNS_KEY_FILE || !config.APNS_KEY_ID || !config.APNS_TEAM_ID) {
    throw new PushConfigError(
      'APNs needs APNS_KEY_FILE, APNS_KEY_ID and APNS_TEAM_ID together (the .p8 key, its key id and your team id); set all three, or none to send no APNs pushes',
    );
  }
  return new ApnsClient({
    keyPem: readSetting(config.APNS_KEY_FILE, 'APNS_KEY_FILE'),
    keyId: config.APNS_KEY_ID,
    teamId: config.APNS_TEAM_ID,
    hosts: { production: config.APNS_HOST, sandbox: config.APNS_SANDBOX_HOST },
    port: config.APNS_PORT,
    ...(config.APNS_CA_FILE && { ca: readSetting(config.APNS_CA_FILE, 'APNS_CA_FILE') }),
    requestTimeoutMs: config.PUSH_TIMEOUT_MS,
    pingIntervalMs: APNS_PING_INTERVAL_MS,
  });
}

function fcmFrom(config: NotificationsConfig): FcmClient | null {
  if (!config.FCM_SERVICE_ACCOUNT_FILE) return null;
  return new FcmClient({
    serviceAccount: parseServiceAccount(
      readSetting(config.FCM_SERVICE_ACCOUNT_FILE, 'FCM_SERVICE_ACCOUNT_FILE'),
      'FCM_SERVICE_ACCOUNT_FILE',
    ),
    baseUrl: config.FCM_BASE_URL,
    requestTimeoutMs: config.PUSH_TIMEOUT_MS,
  });
}
