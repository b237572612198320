import { Injectable } from '@nestjs/common';
import { activeTraceparent, Batcher } from '@switchyard/messaging';
import { isDependencyFailure } from '@switchyard/retry';
import {
  type StripeEventRow,
  StripeEventsRepository,
  type StripeEventSource,
  type VerifiedStripeEvent,
} from './stripe-events.repository';

/** The most events stored by one statement. */
const BATCH_SIZE = 64;

/**
 * Stores a verified Stripe event once, committed before it answers. Events that arrive together
 * are stored together (group commit: one statement and one commit for many), so intake under
 * load spends a round trip and a commit per batch rather than per event; a lone event waits for
 * no timer.
 */
@Injectable()
export class StoreStripeEventUseCase {
  private readonly batcher = new Batcher<StripeEventRow, 'stored' | 'duplicate'>({
    maxSize: BATCH_SIZE,
    run: (rows) => this.events.storeMany(rows),
    // An outage fails every batch alike; anything else may be one event's fault.
    retryAlone: (err) => !isDependencyFailure(err),
  });

  constructor(private readonly events: StripeEventsRepository) {}

  execute(event: VerifiedStripeEvent, source: StripeEventSource): Promise<'stored' | 'duplicate'> {
    return this.batcher.add({
      id: event.id,
      type: event.type,
      created: event.created,
      livemode: event.livemode,
      payloadJson: event.payloadJson ?? JSON.stringify(event.payload),
      source,
      // Read here, in the request's context: the batch runs outside it.
      traceparent: activeTraceparent() ?? null,
    });
  }
}
