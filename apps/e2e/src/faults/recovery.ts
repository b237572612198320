import { Partitioners } from 'kafkajs';
import { type FaultStack } from './fault-stack';

const PARTITIONS = 3;
const partitioner = Partitioners.DefaultPartitioner();

/** The partition Kafka's default (murmur2) partitioner gives a key, as our producers use it. */
export function partitionOf(key: string, partitions = PARTITIONS): number {
  return partitioner({
    topic: 'any',
    partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      partitionErrorCode: 0,
      leader: 1,
      replicas: [1],
      isr: [1],
      offlineReplicas: [],
    })),
    message: { key, value: null },
  });
}

/**
 * How long after `killedAt` each partition of `payments.events.v1` was consumed again by orders:
 * for the payment events written after the kill on that partition, when the first of them became
 * `order.paid`. The backlog that built up meanwhile is not counted, only the resumption.
 */
export async function ordersResumeMs(
  stack: FaultStack,
  orderIds: readonly string[],
  killedAt: number,
): Promise<number[]> {
  const rows = await stack.query(async (db) => {
    const { rows } = await db.query<{ subject: string; paid: number; applied: number }>(
      `SELECT p.message_key AS subject,
              (extract(epoch FROM p.created_at) * 1000)::float8 AS paid,
              (extract(epoch FROM o.created_at) * 1000)::float8 AS applied
       FROM payments.outbox p
       JOIN orders.outbox o ON o.message_key = p.message_key AND o.payload::jsonb->>'type' = 'order.paid'
       WHERE p.message_key = ANY($1) AND p.payload::jsonb->>'type' = 'payment.succeeded'
         AND p.created_at > to_timestamp($2 / 1000.0)`,
      [orderIds, killedAt],
    );
    return rows;
  });
  const resumed = new Map<number, number>();
  for (const row of rows) {
    const partition = partitionOf(row.subject);
    resumed.set(partition, Math.min(resumed.get(partition) ?? Infinity, row.applied - killedAt));
  }
  return Array.from({ length: PARTITIONS }, (_, p) => Math.round(resumed.get(p) ?? Infinity));
}

/**
 * The deliveries an instance (by pid) holds the lease of right now, and later: how long after
 * `killedAt` each was attempted again by another instance.
 */
export async function leasedBy(stack: FaultStack, pid: number): Promise<string[]> {
  return stack.query(async (db) => {
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM notifications.deliveries WHERE locked_by LIKE '%:' || $1 || ':%'`,
      [String(pid)],
    );
    return rows.map((r) => r.id);
  });
}

export async function retriedAfterMs(
  stack: FaultStack,
  deliveryIds: readonly string[],
  killedAt: number,
): Promise<number[]> {
  return stack.query(async (db) => {
    const { rows } = await db.query<{ id: string; at: number | null }>(
      `SELECT d.id, (extract(epoch FROM min(a.attempted_at)) * 1000)::float8 AS at
       FROM unnest($1::uuid[]) AS d(id)
       LEFT JOIN notifications.attempts a
         ON a.delivery_id = d.id AND a.attempted_at > to_timestamp($2 / 1000.0)
       GROUP BY d.id`,
      [deliveryIds, killedAt],
    );
    return rows.map((r) => (r.at === null ? Infinity : Math.round(r.at - killedAt)));
  });
}
