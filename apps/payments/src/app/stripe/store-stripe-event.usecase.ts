import { Injectable } from '@nestjs/common';
import { activeTraceparent, Batcher } from '@switchyard/messaging';
import { DependencyUnavailableError, isConflict, isRowFault } from '@switchyard/retry';
import {
  type StripeEventRow,
  StripeEventsRepository,
  type StripeEventSource,
  type VerifiedStripeEvent,
} from './stripe-events.repository';

/**
 * The most events stored by one statement, by count and by characters of payload (bodies reach
 * 1 MB).
 */
const BATCH_SIZE = 64;
const BATCH_CHARACTERS = 4 * 1024 * 1024;
/** The most events waiting for a statement: past it, intake answers 503 and Stripe retries. */
const MOST_WAITING = 1_000;

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
    maxWeight: BATCH_CHARACTERS,
    weightOf: (row) => row.payloadJson.length,
    maxQueued: MOST_WAITING,
    overloaded: () =>
      new DependencyUnavailableError(
        'postgres',
        `${MOST_WAITING} Stripe events are waiting to be stored: the database is not keeping up`,
      ),
    run: (rows) => this.events.storeMany(rows),
    retryAlone: isRowFault,
    retryTogether: isConflict,
  });

  constructor(private readonly events: StripeEventsRepository) {}

  execute(event: VerifiedStripeEvent, source: StripeEventSource): Promise<'stored' | 'duplicate'> {
    return this.batcher.add({
      id: event.id,
      type: event.type,
      created: event.created,
      livemode: event.livemode,
      payloadJson: event.payloadJson ?? JSON.stringify(event.payload ?? null),
      source,
      // Read here, in the request's own context: a batch runs in its first event's.
      traceparent: activeTraceparent() ?? null,
    });
  }
}
