import { type KafkaAdmin } from '../external/kafka.interface';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: string;
  /** Messages after the group's committed offset (all of them before its first commit). */
  readonly lag: number;
}

/**
 * A consumer group's lag on each partition of `topics`, asked of the broker: each partition's
 * end offset less the group's committed one. From the broker, so a consumer that is stuck or
 * gone still shows its lag growing.
 */
export async function consumerGroupLag(
  admin: KafkaAdmin,
  groupId: string,
  topics: readonly string[],
): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const lags: PartitionLag[] = [];
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const end of ends) {
      const offset = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      const from = offset === '-1' ? Number(end.low) : Number(offset);
      lags.push({
        topic,
        partition: String(end.partition),
        lag: Math.max(0, Number(end.high) - from),
      });
    }
  }
  return lags;
}
