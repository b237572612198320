/** Replays touch this many rows per statement, so a replay of millions never holds one huge lock. */
export const REPLAY_BATCH = 1000;

/** Runs a replay that handles at most one batch until it handles less; answers the total. */
export async function inBatches(replayBatch: (size: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const count = await replayBatch(REPLAY_BATCH);
    total += count;
    if (count < REPLAY_BATCH) return total;
  }
}
