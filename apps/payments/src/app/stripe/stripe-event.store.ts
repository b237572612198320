import { Inject, Injectable } from '@nestjs/common';
import { type CommonEnv, SERVICE_CONFIG } from '@switchyard/service';
import { DataSource } from 'typeorm';

export interface VerifiedStripeEvent {
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly livemode: boolean;
  readonly payload: unknown;
}

export type StripeEventSource = 'webhook' | 'reconciliation';

/** The channel a stored event is announced on, so every instance's processor wakes for it. */
export function storedEventsChannel(schema: string): string {
  return `${schema}_stripe_events`;
}

/** The durable record of every verified Stripe event, one row per Stripe event id. */
@Injectable()
export class StripeEventStore {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: CommonEnv,
  ) {}

  /**
   * Commits the event before returning; a second delivery of the same id changes nothing. The
   * table is partitioned by `created`, which Stripe sends unchanged with every delivery of an
   * id, so (id, created) is as unique as the id.
   */
  async store(
    event: VerifiedStripeEvent,
    source: StripeEventSource,
  ): Promise<'stored' | 'duplicate'> {
    // RETURNING runs only for an inserted row: a duplicate wakes nobody.
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO "${this.config.DB_SCHEMA}".stripe_events (id, type, created, livemode, payload, source)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id, created) DO NOTHING
       RETURNING id, pg_notify($7, '') IS NULL AS announced`,
      [
        event.id,
        event.type,
        event.created,
        event.livemode,
        JSON.stringify(event.payload),
        source,
        storedEventsChannel(this.config.DB_SCHEMA),
      ],
    );
    return rows.length === 1 ? 'stored' : 'duplicate';
  }
}
