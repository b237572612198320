import { type PushOutcome } from './push-outcome';

/** A device as a push provider addresses it. */
export interface PushDevice {
  readonly platform: 'apns' | 'fcm';
  /** APNs: the device token (hex); FCM: the registration token. */
  readonly token: string;
  /** APNs: the app's bundle id (the `apns-topic`); FCM: the Firebase project id. */
  readonly app: string;
  /** APNs only: which host serves the token; null for FCM. */
  readonly environment: 'production' | 'sandbox' | null;
}

/** One notification, provider-neutral; each client maps it to its own wire format. */
export interface PushMessage {
  /** A UUID naming this send: APNs `apns-id`; kept in FCM `data.push_id`. */
  readonly pushId: string;
  readonly title: string;
  readonly body: string;
  /** Custom data; strings only, as FCM requires. */
  readonly data: Readonly<Record<string, string>>;
  /** Notifications with the same key replace each other (APNs `apns-collapse-id`, ≤ 64 bytes). */
  readonly collapseKey: string | null;
  /** Groups notifications on the device (APNs `aps.thread-id`, Android `notification.tag`). */
  readonly threadId: string | null;
  /** `high`: show now (APNs priority 10, Android HIGH); `normal`: may wait (5, NORMAL). */
  readonly priority: 'high' | 'normal';
  /** After this the provider stops trying to reach the device; null: the provider's default. */
  readonly expiresAt: Date | null;
}

/** Sends one notification to one device and says what the answer means. */
export interface PushTransport {
  send(device: PushDevice, message: PushMessage, signal?: AbortSignal): Promise<PushOutcome>;
  /** Closes connections; sends in flight are cut. */
  close(): Promise<void>;
}
