import { BaseRpcContext } from '@nestjs/microservices';
import { type DomainEvent } from '@switchyard/contracts';
import { type ConsumedEventContext, type InboxRow } from '@switchyard/messaging';
import { type EntityManager } from 'typeorm';

/**
 * `@EventPattern`'s extras for a handler that can write its inbox row in the same statement as
 * its effects: `@EventPattern('*', WRITES_OWN_INBOX_ROW)`. An event that arrives alone then
 * reaches it with `context.inboxRow` set and no transaction open; a batch of several still shares
 * one inbox transaction, where `inboxRow` is null. Settling the row is the handler's last step
 * that can fail (see `InboxRow`).
 */
export const WRITES_OWN_INBOX_ROW = { inbox: 'own-row' } as const;

/**
 * What an `@EventPattern` handler gets beside the event (`@Ctx()`): the transaction the event's
 * inbox row is written in, for every write of the handler (they commit together, or not at all),
 * and where the message came from. For a handler declared `WRITES_OWN_INBOX_ROW`, `inboxRow` may
 * be set instead: then `manager` is outside any transaction, and the handler writes the row itself.
 */
export class InboxContext extends BaseRpcContext<
  [EntityManager, ConsumedEventContext, InboxRow | null, readonly DomainEvent[]]
> {
  /**
   * The inbox transaction: write through it, and the effect happens exactly once. With
   * `inboxRow` set, no transaction: each statement commits on its own.
   */
  get manager(): EntityManager {
    return this.args[0];
  }

  get source(): ConsumedEventContext {
    return this.args[1];
  }

  /** Set when the handler is to write the event's inbox row itself (see `InboxRow`). */
  get inboxRow(): InboxRow | null {
    return this.args[2];
  }

  /**
   * Every event the inbox transaction applies, in order, this one among them (just this one when
   * it came alone): a handler may read ahead what they all need in one statement, rather than a
   * statement per event.
   */
  get batch(): readonly DomainEvent[] {
    return this.args[3];
  }
}
