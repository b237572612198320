import { Module } from '@nestjs/common';
import { DeviceRepository } from './devices/device.repository';
import { DevicesApiGuard } from './devices/devices-api.guard';
import { DevicesController } from './devices/devices.controller';

/** Push notifications to customers' devices through APNs and FCM (#14). */
@Module({
  controllers: [DevicesController],
  providers: [DeviceRepository, DevicesApiGuard],
})
export class PushModule {}
