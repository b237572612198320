import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';

/**
 * Nest turns an error thrown by an event handler into `{ status: 'error', message }`; the Kafka
 * transport needs the error itself, whose class decides between a retry, waiting out an outage
 * and the dead-letter topic.
 */
@Catch()
export class RethrowRpcErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
