import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@switchyard/service';
import { AttemptRepository } from '../attempts/attempt.repository';
import { type NotificationsConfig } from '../notifications-env';
import { DeviceRepository } from './devices/device.repository';
import { DevicesApiGuard } from './devices/devices-api.guard';
import { DevicesController } from './devices/devices.controller';
import { PushAttemptsController } from './devices/push-attempts.controller';
import { PushDeliveryRepository } from './push-delivery.repository';
import { PushFanOutRepository } from './push-fan-out.repository';
import { PushFanOutUseCase } from './push-fan-out.usecase';
import { PushSender } from './push-sender';
import { PushTransports } from './push-transports';
import { PushRules } from './rules/push-rules';

/** Push notifications to customers' devices through APNs and FCM (#14). */
@Module({
  controllers: [DevicesController, PushAttemptsController],
  providers: [
    // The attempt log's reads, for pushes (stateless: the app module has its own for webhooks).
    AttemptRepository,
    DeviceRepository,
    DevicesApiGuard,
    {
      provide: PushRules,
      useFactory: (config: NotificationsConfig) => PushRules.load(config.PUSH_RULES_FILE),
      inject: [SERVICE_CONFIG],
    },
    {
      provide: PushTransports,
      useFactory: (config: NotificationsConfig) => PushTransports.fromConfig(config),
      inject: [SERVICE_CONFIG],
    },
    PushFanOutRepository,
    PushFanOutUseCase,
    PushDeliveryRepository,
    PushSender,
  ],
  // The delivery worker sends pushes beside webhooks; the partners' fan-out handler makes them.
  exports: [
    DeviceRepository,
    PushDeliveryRepository,
    PushFanOutUseCase,
    PushSender,
    PushTransports,
  ],
})
export class PushModule {}
