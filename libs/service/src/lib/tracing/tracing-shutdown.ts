import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { stopTracing } from './tracing-sdk';

/** Sends the spans still buffered once the service has stopped its work, then stops tracing. */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return stopTracing();
  }
}
