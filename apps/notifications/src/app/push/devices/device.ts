import { type PushDevice } from '../push-message';

/** A customer's device, as stored. */
export interface Device extends PushDevice {
  readonly id: string;
  readonly customerId: string;
  readonly locale: string;
  /** The last registration: an APNs 410 older than this does not remove the device. */
  readonly registeredAt: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}
