import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@switchyard/service';
import { type NotificationsConfig } from '../notifications-env';
import { DeviceRepository } from './devices/device.repository';
import { DevicesApiGuard } from './devices/devices-api.guard';
import { DevicesController } from './devices/devices.controller';
import { PushRules } from './rules/push-rules';

/** Push notifications to customers' devices through APNs and FCM (#14). */
@Module({
  controllers: [DevicesController],
  providers: [
    DeviceRepository,
    DevicesApiGuard,
    {
      provide: PushRules,
      useFactory: (config: NotificationsConfig) => PushRules.load(config.PUSH_RULES_FILE),
      inject: [SERVICE_CONFIG],
    },
  ],
})
export class PushModule {}
