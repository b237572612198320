/**
 * Tables every service needs for the outbox and the inbox, in its own schema. Services call
 * these from their TypeORM migrations, so the shape is owned here and versioned there.
 *
 * Both are partitioned by whole days on the event id (a uuid v7, whose first 48 bits are its
 * Unix milliseconds), so retention drops whole partitions; @switchyard/service makes and drops
 * them. Every unique key includes the event id, as Postgres requires, and an id always
 * falls in the same partition, so dedupe stays global. The default partition takes any id
 * outside the days that exist (a replay older than the retention, a skewed clock).
 */
export function outboxTableDdl(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    // position orders publication (the relay reads unpublished rows by position).
    `CREATE TABLE ${s}.outbox (
      position bigserial NOT NULL,
      event_id uuid NOT NULL PRIMARY KEY,
      topic text NOT NULL,
      message_key text NOT NULL,
      payload text NOT NULL,
      headers jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    ) PARTITION BY RANGE (event_id)`,
    `CREATE INDEX outbox_unpublished_idx ON ${s}.outbox (position) WHERE published_at IS NULL`,
    `CREATE TABLE ${s}.outbox_default PARTITION OF ${s}.outbox DEFAULT`,
  ];
}

export function inboxTableDdl(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE TABLE ${s}.inbox (
      consumer text NOT NULL,
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    ) PARTITION BY RANGE (event_id)`,
    `CREATE TABLE ${s}.inbox_default PARTITION OF ${s}.inbox DEFAULT`,
  ];
}

/**
 * The first, unpartitioned outbox. Frozen: the services' first migrations made it with this, and
 * a later migration converts it (convertToPartitioned in @switchyard/service).
 */
export function outboxTableDdlV1(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE TABLE ${s}.outbox (
      position bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      topic text NOT NULL,
      message_key text NOT NULL,
      payload text NOT NULL,
      headers jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    )`,
    `CREATE INDEX outbox_unpublished_idx ON ${s}.outbox (position) WHERE published_at IS NULL`,
  ];
}

/** The first, unpartitioned inbox. Frozen, like outboxTableDdlV1. */
export function inboxTableDdlV1(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE TABLE ${s}.inbox (
      consumer text NOT NULL,
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`,
  ];
}

export function quoteIdent(identifier: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(identifier)) {
    throw new Error(
      `"${identifier}" is not a valid schema name: use lowercase letters, digits and underscores`,
    );
  }
  return `"${identifier}"`;
}

export function outboxChannel(schema: string): string {
  return `${schema}_outbox`;
}
