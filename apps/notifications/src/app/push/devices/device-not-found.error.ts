import { ApiError } from '@switchyard/service';

/** The one answer for a device id that is unknown, or cannot be a device's at all. */
export class DeviceNotFoundError extends ApiError {
  constructor() {
    super(404, 'device_not_found', 'No device has this id; it may have been removed');
  }
}
