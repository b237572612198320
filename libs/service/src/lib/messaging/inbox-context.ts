import { BaseRpcContext } from '@nestjs/microservices';
import { type ConsumedEventContext } from '@switchyard/messaging';
import { type EntityManager } from 'typeorm';

/**
 * What an `@EventPattern` handler gets beside the event (`@Ctx()`): the transaction the event's
 * inbox row is written in, for every write of the handler (they commit together, or not at all),
 * and where the message came from.
 */
export class InboxContext extends BaseRpcContext<[EntityManager, ConsumedEventContext]> {
  /** The inbox transaction: write through it, and the effect happens exactly once. */
  get manager(): EntityManager {
    return this.args[0];
  }

  get source(): ConsumedEventContext {
    return this.args[1];
  }
}
