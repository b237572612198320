import { z } from 'zod';
import { type Device } from './device';

/** What the API shows of a device. */
export const DeviceResponse = z.object({
  id: z.uuid(),
  customerId: z.string(),
  platform: z.enum(['apns', 'fcm']),
  token: z.string(),
  app: z.string().describe('APNs: the bundle id; FCM: the Firebase project id'),
  environment: z.enum(['production', 'sandbox']).nullable().describe('APNs only'),
  locale: z.string(),
  registeredAt: z.iso.datetime().describe('The last registration of this token'),
  createdAt: z.iso.datetime(),
});
export type DeviceResponse = z.infer<typeof DeviceResponse>;

/** A customer's devices, oldest first. */
export const DeviceListResponse = z.object({ data: z.array(DeviceResponse) });
export type DeviceListResponse = z.infer<typeof DeviceListResponse>;

export function deviceView(device: Device): DeviceResponse {
  return {
    id: device.id,
    customerId: device.customerId,
    platform: device.platform,
    token: device.token,
    app: device.app,
    environment: device.environment,
    locale: device.locale,
    registeredAt: device.registeredAt.toISOString(),
    createdAt: device.createdAt.toISOString(),
  };
}
