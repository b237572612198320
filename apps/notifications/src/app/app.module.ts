import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule } from '@switchyard/service';
import { AttemptRepository } from './attempts/attempt.repository';
import { ListAttemptsUseCase } from './attempts/list-attempts.usecase';
import { ClaimDeliveriesUseCase } from './delivery/claim-deliveries.usecase';
import { DeliveryRepository } from './delivery/delivery.repository';
import { DeliveryGauges } from './delivery/delivery.gauges';
import { EndpointLabels } from './delivery/endpoint-labels';
import { DeliveryWorker } from './delivery/delivery.worker';
import { EndpointStateRepository } from './delivery/endpoint-state.repository';
import { FanOutRepository } from './delivery/fan-out.repository';
import { FanOutUseCase } from './delivery/fan-out.usecase';
import { PartnerEventsHandler } from './delivery/partner-events.handler';
import { RecordAttemptUseCase } from './delivery/record-attempt.usecase';
import { CreateEndpointUseCase } from './endpoints/create-endpoint.usecase';
import { DestinationCheck } from './endpoints/destination-check';
import { EndpointRepository } from './endpoints/endpoint.repository';
import { EndpointsController } from './endpoints/endpoints.controller';
import { RotateEndpointSecretUseCase } from './endpoints/rotate-endpoint-secret.usecase';
import { UpdateEndpointUseCase } from './endpoints/update-endpoint.usecase';
import { EventsController } from './messages/events.controller';
import { MessageRepository } from './messages/message.repository';
import { MessagesController } from './messages/messages.controller';
import { consoleControllers, consoleProviders } from './console/console.parts';
import { CreateNotificationsSchema1764300000000 } from './migrations/1764300000000-create-notifications-schema';
import { EndpointOptions1764400000000 } from './migrations/1764400000000-endpoint-options';
import { DeliveryControls1764500000000 } from './migrations/1764500000000-delivery-controls';
import { FiltersAndPayloadMode1764600000000 } from './migrations/1764600000000-filters-and-payload-mode';
import { DeliveryLeaseOwner1764650000000 } from './migrations/1764650000000-delivery-lease-owner';
import { DeliveriesOrderedWithinATransaction1764800000000 } from './migrations/1764800000000-deliveries-ordered-within-a-transaction';
import { PartitionByTime1764700000000 } from './migrations/1764700000000-partition-by-time';
import { PushDevices1765000000000 } from './migrations/1765000000000-push-devices';
import { PushDeliveries1765100000000 } from './migrations/1765100000000-push-deliveries';
import { Console1765200000000 } from './migrations/1765200000000-console';
import { PushModule } from './push/push.module';
import { RecordPushAttemptUseCase } from './push/record-push-attempt.usecase';
import { type NotificationsConfig } from './notifications-env';
import { OperatorController } from './operator/operator.controller';
import { partitionedTables } from './partitioned-tables';
import { CreatePartnerUseCase } from './partners/create-partner.usecase';
import { PartnerAuthGuard } from './partners/partner-auth.guard';
import { PartnerRepository } from './partners/partner.repository';
import { ReplayFailedDeliveriesUseCase } from './replays/replay-failed-deliveries.usecase';
import { ReplayMessageUseCase } from './replays/replay-message.usecase';
import { ReplayRangeUseCase } from './replays/replay-range.usecase';
import { DryRunFilterUseCase } from './subscriptions/dry-run-filter.usecase';
import { FilterDryRunController } from './subscriptions/filter-dry-run.controller';

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
            DeliveriesOrderedWithinATransaction1764800000000,
            PushDevices1765000000000,
            PushDeliveries1765100000000,
            Console1765200000000,
          ],
          partitionedTables,
          consumer: 'partner-fanout',
        }),
        PushModule,
      ],
      controllers: [
        OperatorController,
        EndpointsController,
        MessagesController,
        EventsController,
        FilterDryRunController,
        PartnerEventsHandler,
        ...consoleControllers,
      ],
      providers: [
        PartnerRepository,
        EndpointRepository,
        MessageRepository,
        DeliveryRepository,
        EndpointStateRepository,
        AttemptRepository,
        PartnerAuthGuard,
        DestinationCheck,
        CreatePartnerUseCase,
        CreateEndpointUseCase,
        UpdateEndpointUseCase,
        RotateEndpointSecretUseCase,
        ListAttemptsUseCase,
        ReplayMessageUseCase,
        ReplayFailedDeliveriesUseCase,
        ReplayRangeUseCase,
        DryRunFilterUseCase,
        FanOutRepository,
        FanOutUseCase,
        ClaimDeliveriesUseCase,
        RecordAttemptUseCase,
        RecordPushAttemptUseCase,
        DeliveryWorker,
        DeliveryGauges,
        EndpointLabels,
        ...consoleProviders,
      ],
    };
  }
}
