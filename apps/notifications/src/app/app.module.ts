import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule } from '@switchyard/service';
import { AttemptRepository } from './attempts/attempt.repository';
import { ListAttemptsUseCase } from './attempts/list-attempts.usecase';
import { ClaimDeliveriesUseCase } from './delivery/claim-deliveries.usecase';
import { DeliveryRepository } from './delivery/delivery.repository';
import { DeliveryGauges } from './delivery/delivery.gauges';
import { EndpointLabels } from './delivery/endpoint-labels';
import { DeliveryHandOff } from './delivery/delivery-hand-off';
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
import { PushModule } from './push/push.module';
import { RecordPushAttemptUseCase } from './push/record-push-attempt.usecase';
import { notificationsMigrations } from './migrations/notifications-migrations';
import { type NotificationsConfig } from './notifications-env';
import { OperatorController } from './operator/operator.controller';
import { partitionedTables } from './partitioned-tables';
import { CreatePartnerUseCase } from './partners/create-partner.usecase';
import { PartnerAuthGuard } from './partners/partner-auth.guard';
import { PartnerRepository } from './partners/partner.repository';
import { RevokeApiKeyUseCase } from './partners/revoke-api-key.usecase';
import { ReplayFailedDeliveriesUseCase } from './replays/replay-failed-deliveries.usecase';
import { ReplayMessageUseCase } from './replays/replay-message.usecase';
import { ReplayJobRepository } from './replays/replay-job.repository';
import { ReplayJobWorker } from './replays/replay-job.worker';
import { ReplayRangeUseCase } from './replays/replay-range.usecase';
import { StartReplayJobUseCase } from './replays/start-replay-job.usecase';
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
          migrations: notificationsMigrations,
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
        RevokeApiKeyUseCase,
        CreateEndpointUseCase,
        UpdateEndpointUseCase,
        RotateEndpointSecretUseCase,
        ListAttemptsUseCase,
        ReplayMessageUseCase,
        ReplayFailedDeliveriesUseCase,
        ReplayRangeUseCase,
        ReplayJobRepository,
        StartReplayJobUseCase,
        ReplayJobWorker,
        DryRunFilterUseCase,
        FanOutRepository,
        FanOutUseCase,
        ClaimDeliveriesUseCase,
        RecordAttemptUseCase,
        RecordPushAttemptUseCase,
        DeliveryHandOff,
        DeliveryWorker,
        DeliveryGauges,
        EndpointLabels,
        ...consoleProviders,
      ],
    };
  }
}
