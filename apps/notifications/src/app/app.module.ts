import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule } from '@switchyard/service';
import { DeliveryWorker } from './delivery/delivery.worker';
import { FanOutUseCase } from './delivery/fan-out.usecase';
import { PartnerEventsHandler } from './delivery/partner-events.handler';
import { CreateNotificationsSchema1764300000000 } from './migrations/1764300000000-create-notifications-schema';
import { EndpointOptions1764400000000 } from './migrations/1764400000000-endpoint-options';
import { DeliveryControls1764500000000 } from './migrations/1764500000000-delivery-controls';
import { FiltersAndPayloadMode1764600000000 } from './migrations/1764600000000-filters-and-payload-mode';
import { DeliveryLeaseOwner1764650000000 } from './migrations/1764650000000-delivery-lease-owner';
import { PartitionByTime1764700000000 } from './migrations/1764700000000-partition-by-time';
import { partitionedTables } from './partitioned-tables';
import { type NotificationsConfig } from './notifications-env';
import { PartnerAuthGuard } from './partners/partner-auth.guard';
import { EndpointAdminController } from './partners/endpoint-admin.controller';
import { FilterTestController } from './subscriptions/filter-test.controller';
import { EventsController } from './partners/events.controller';
import { MessagesController } from './partners/messages.controller';
import { PartnersController } from './partners/partners.controller';

@Module({})
export class AppModule {
  static forRoot(config: NotificationsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.forRoot({
          name: 'notifications',
          config,
          migrations: [
            CreateNotificationsSchema1764300000000,
            EndpointOptions1764400000000,
            DeliveryControls1764500000000,
            FiltersAndPayloadMode1764600000000,
            DeliveryLeaseOwner1764650000000,
            PartitionByTime1764700000000,
          ],
          partitionedTables,
          consumer: 'partner-fanout',
        }),
      ],
      controllers: [
        PartnersController,
        EndpointAdminController,
        MessagesController,
        EventsController,
        FilterTestController,
        PartnerEventsHandler,
      ],
      providers: [FanOutUseCase, DeliveryWorker, PartnerAuthGuard],
    };
  }
}
