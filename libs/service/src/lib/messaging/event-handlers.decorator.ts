import { applyDecorators, Controller, UseFilters } from '@nestjs/common';
import { RethrowRpcErrors } from './rethrow-rpc-errors.filter';

/**
 * Marks a class whose `@EventPattern` methods handle Kafka events. Errors reach the transport as
 * thrown (not Nest's generic RPC error), so it can tell a retry from an outage or a dead letter.
 */
export function EventHandlers(): ClassDecorator {
  return applyDecorators(Controller(), UseFilters(new RethrowRpcErrors()));
}
