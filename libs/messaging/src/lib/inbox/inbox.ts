import { type DomainEvent } from '@switchyard/contracts';
import { type DataSource, type EntityManager } from 'typeorm';
import { UnprocessableEventError } from '../consumer/consumer-errors';
import { queryPrepared } from '../database/prepared-query';
import { quoteIdent } from '../messaging-ddl';

export type InboxResult = 'applied' | 'duplicate';

/**
 * The inbox row's insert, as a statement or a CTE of one (`WITH inbox AS (…)`): it returns the
 * event id when the row is new and nothing when the event was seen before. `params` are the
 * placeholders of the consumer, the event id and the event type. `onlyIf` is a SQL condition on
 * the statement's other CTEs: the row is written only when it holds (say, when the state the
 * handler decided on is still the one in the database), so its effects and the row go together.
 */
export function inboxInsertSql(
  schema: string,
  params: readonly [consumer: string, eventId: string, eventType: string] = ['$1', '$2', '$3'],
  options: { readonly onlyIf?: string } = {},
): string {
  const [consumer, eventId, eventType] = params;
  const row = options.onlyIf
    ? `SELECT ${consumer}::text, ${eventId}::uuid, ${eventType}::text WHERE ${options.onlyIf}`
    : `VALUES (${params.join(', ')})`;
  return `INSERT INTO ${quoteIdent(schema)}.inbox (consumer, event_id, event_type)
       ${row} ON CONFLICT DO NOTHING RETURNING event_id`;
}

/**
 * An event whose handler writes its inbox row itself, in the same statement as its effects,
 * instead of in a transaction opened for it: one round trip where the transaction takes four
 * (`START`, the inbox row, the effects, `COMMIT`). The statement makes its effects conditional on
 * the row being new (`WHERE EXISTS (SELECT 1 FROM inbox)` with `inboxInsertSql` as the `inbox`
 * CTE) and reports whether it was (`took`). A handler that cannot put everything in one statement
 * runs it in the usual transaction instead (`transaction`); one with no effects still records the
 * event (`recordAlone`). Exactly one of the three settles the outcome, and it is the handler's last
 * step that can fail: its effects are committed with the row, so a failure after it is retried as
 * a duplicate and what follows it never runs. A handler that settles nothing, or twice, has its
 * event dead-lettered at once (`inbox_row_unsettled`), not retried: each try could repeat an
 * effect written without the row.
 */
export class InboxRow {
  private result: InboxResult | null = null;

  constructor(
    private readonly dataSource: DataSource,
    readonly schema: string,
    readonly consumer: string,
    readonly event: DomainEvent,
  ) {}

  /** The consumer, event id and event type, for the placeholders of `inboxInsertSql`. */
  get params(): [string, string, string] {
    return [this.consumer, this.event.id, this.event.type];
  }

  /** The handler's statement ran: `fresh` when it inserted the inbox row (and so its effects). */
  took(fresh: boolean): void {
    this.settle(fresh ? 'applied' : 'duplicate');
  }

  /** Records the event with no effects of its own (nothing subscribes to it, say). */
  async recordAlone(db: EntityManager): Promise<boolean> {
    const { rowCount } = await queryPrepared(db, inboxInsertSql(this.schema), this.params);
    const fresh = (rowCount ?? 0) > 0;
    this.took(fresh);
    return fresh;
  }

  /** Runs `handler` in the inbox transaction, as a handler without its own inbox row would be. */
  async transaction(handler: (manager: EntityManager) => Promise<void>): Promise<void> {
    this.settle(await handleOnce(this.dataSource, this.schema, this.consumer, this.event, handler));
  }

  /** How the event was taken; throws when the handler settled nothing, which is a bug in it. */
  get outcome(): InboxResult {
    if (this.result === null) {
      throw new UnprocessableEventError(
        'inbox_row_unsettled',
        `the handler of ${this.event.type} did not write its inbox row: call took(), recordAlone() or transaction() on its InboxRow`,
      );
    }
    return this.result;
  }

  private settle(result: InboxResult): void {
    if (this.result !== null) {
      throw new UnprocessableEventError(
        'inbox_row_unsettled',
        `the inbox row of event ${this.event.id} was settled twice: call one of took(), recordAlone() or transaction(), once`,
      );
    }
    this.result = result;
  }
}

/**
 * Runs `handler` at most once per (consumer, event id): the inbox row and the handler's writes
 * commit together, so a redelivered event finds its row and changes nothing. A concurrent
 * duplicate blocks on the first one's uncommitted row and then sees it.
 */
export async function handleOnce(
  dataSource: DataSource,
  schema: string,
  consumer: string,
  event: DomainEvent,
  handler: (manager: EntityManager) => Promise<void>,
): Promise<InboxResult> {
  return dataSource.transaction(async (manager) => {
    const inserted = await queryPrepared(manager, inboxInsertSql(schema), [
      consumer,
      event.id,
      event.type,
    ]);
    if (inserted.rowCount === 0) return 'duplicate';
    await handler(manager);
    return 'applied';
  });
}

/**
 * `handleOnce` for several events in one transaction: one inbox statement for all of them and
 * one commit, the handler called in order for each event not seen before. All or nothing: if
 * the handler throws, no inbox row and none of its writes stay, and the caller can take the
 * events one at a time to find the one at fault.
 */
export async function handleBatchOnce(
  dataSource: DataSource,
  schema: string,
  consumer: string,
  events: readonly DomainEvent[],
  handler: (
    manager: EntityManager,
    event: DomainEvent,
    index: number,
    /** Every event this transaction applies, in order, this one among them. */
    applying: readonly DomainEvent[],
  ) => Promise<void>,
): Promise<InboxResult[]> {
  return dataSource.transaction(async (manager) => {
    const { rows: inserted } = await queryPrepared<{ event_id: string }>(
      manager,
      `INSERT INTO ${quoteIdent(schema)}.inbox (consumer, event_id, event_type)
       SELECT $1, e.id, e.type FROM unnest($2::uuid[], $3::text[]) AS e(id, type)
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, events.map((e) => e.id), events.map((e) => e.type)],
    );
    // An event twice in one batch has one row: its second copy is a duplicate.
    // Postgres answers uuids in lower case, whatever case the event carried.
    const fresh = new Set(inserted.map((r) => r.event_id));
    const results: InboxResult[] = events.map((e) =>
      fresh.delete(e.id.toLowerCase()) ? 'applied' : 'duplicate',
    );
    const applying = events.filter((_e, i) => results[i] === 'applied');
    for (const [index, event] of events.entries()) {
      if (results[index] === 'applied') await handler(manager, event, index, applying);
    }
    return results;
  });
}
