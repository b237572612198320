import { z } from 'zod';

/** An APNs device token: 32 bytes, in hex (kept lowercase, as Apple answers about it). */
const apnsToken = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be the 64 hexadecimal digits of an APNs device token')
  .transform((token) => token.toLowerCase());

/** An FCM registration token: opaque, printable, bounded (they run to about 160–200 characters). */
const fcmToken = z
  .string()
  .min(1, 'must not be empty')
  .max(4096, 'must be at most 4,096 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces, as FCM issues it');

/** An app's bundle id, the `apns-topic` of its notifications. */
const bundleId = z
  .string()
  .max(155)
  .regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'must be a bundle id such as "com.example.shop"');

/** A Firebase project id: 6–30 lowercase letters, digits and hyphens. */
const firebaseProject = z
  .string()
  .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Firebase project id such as "example-shop"');

/** A BCP 47 language tag such as "en", "fr-CA" or "zh-Hant-TW". */
const locale = z
  .string()
  .max(35)
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as "en" or "fr-CA"');

const customerId = z.string().min(1).max(128);

const common = {
  customerId,
  locale: locale.default('en'),
};

/** What registering a device takes; the fields that differ by platform are checked by platform. */
export const RegisterDeviceSchema = z.discriminatedUnion('platform', [
  z.strictObject({
    platform: z.literal('apns'),
    token: apnsToken,
    app: bundleId.describe("The app's bundle id"),
    environment: z
      .enum(['production', 'sandbox'])
      .describe('Which APNs host serves the token: sandbox for development builds'),
    ...common,
  }),
  z.strictObject({
    platform: z.literal('fcm'),
    token: fcmToken,
    app: firebaseProject.describe('The Firebase project id'),
    ...common,
  }),
]);
export type RegisterDeviceCommand = z.infer<typeof RegisterDeviceSchema>;

/** `GET /v1/devices`: one customer's devices. */
export const ListDevicesQuery = z.strictObject({ customerId });
