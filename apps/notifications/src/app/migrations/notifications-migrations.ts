import { type MigrationInterface } from 'typeorm';
import { CreateNotificationsSchema1764300000000 } from './1764300000000-create-notifications-schema';
import { EndpointOptions1764400000000 } from './1764400000000-endpoint-options';
import { DeliveryControls1764500000000 } from './1764500000000-delivery-controls';
import { FiltersAndPayloadMode1764600000000 } from './1764600000000-filters-and-payload-mode';
import { DeliveryLeaseOwner1764650000000 } from './1764650000000-delivery-lease-owner';
import { DeliveriesOrderedWithinATransaction1764800000000 } from './1764800000000-deliveries-ordered-within-a-transaction';
import { PartitionByTime1764700000000 } from './1764700000000-partition-by-time';
import { PushDevices1765000000000 } from './1765000000000-push-devices';
import { PushDeliveries1765100000000 } from './1765100000000-push-deliveries';
import { Console1765200000000 } from './1765200000000-console';
import { ReplayJobs1765300000000 } from './1765300000000-replay-jobs';
import { OperatorSignInLock1765400000000 } from './1765400000000-operator-sign-in-lock';
import { AttemptRequestHeaders1765500000000 } from './1765500000000-attempt-request-headers';
import { DeliveriesRoomForLeases1765600000000 } from './1765600000000-deliveries-room-for-leases';

/** The notifications schema's migrations, in order: run at start, and by the console CLI. */
export const notificationsMigrations: readonly (new () => MigrationInterface)[] = [
  CreateNotificationsSchema1764300000000,
  EndpointOptions1764400000000,
  DeliveryControls1764500000000,
  FiltersAndPayloadMode1764600000000,
  DeliveryLeaseOwner1764650000000,
  PartitionByTime1764700000000,
  DeliveriesOrderedWithinATransaction1764800000000,
  PushDevices1765000000000,
  PushDeliveries1765100000000,
  Console1765200000000,
  ReplayJobs1765300000000,
  OperatorSignInLock1765400000000,
  AttemptRequestHeaders1765500000000,
  DeliveriesRoomForLeases1765600000000,
];
