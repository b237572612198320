import { getHeapSpaceStatistics } from 'node:v8';
import { applyHeapGrowth } from './heap-growth';

/** Bytes in V8's old generation: what full collections collect. */
function oldGeneration(): number {
  return getHeapSpaceStatistics()
    .filter((s) => s.space_name === 'old_space' || s.space_name === 'large_object_space')
    .reduce((sum, s) => sum + s.space_used_size, 0);
}

/**
 * Promotes garbage (objects that outlive a few scavenges, then die) until four full collections
 * have happened, and answers the median of how large the old generation grew, at its peak,
 * against what the collection before had left.
 */
function growthBeforeEachFullCollection(): number {
  const growths: number[] = [];
  const recent: object[][] = [];
  let previous = oldGeneration();
  let survivors: number | null = null;
  let peak = previous;
  for (let round = 0; round < 5000 && growths.length < 4; round++) {
    recent.push(Array.from({ length: 20_000 }, (_, i) => ({ i, text: `${'y'.repeat(60)}${i}` })));
    if (recent.length > 12) recent.shift();
    const now = oldGeneration();
    // Only a full collection shrinks the old generation; scavenges only promote into it.
    if (now < previous - 4_000_000) {
      if (survivors !== null) growths.push(peak / survivors);
      survivors = now;
      peak = now;
    } else {
      peak = Math.max(peak, now);
    }
    previous = now;
  }
  expect(growths).toHaveLength(4);
  return [...growths].sort((a, b) => a - b)[2] as number;
}

describe('heap growth between full collections', () => {
  // A live set the collections keep, as a service's modules, pools and caches are.
  let live: object[] = [];
  beforeAll(() => {
    live = Array.from({ length: 250_000 }, (_, i) => ({ i, text: `${'x'.repeat(80)}${i}` }));
  });
  afterAll(() => {
    applyHeapGrowth(0);
    live = [];
  });

  it('lets the old generation grow by the configured share of what survived before collecting it again', () => {
    // Given growth capped at a quarter, then at double (V8 alone chose about 4x for this
    // allocation, and 1.1-1.3x for the services)
    applyHeapGrowth(25);
    const quarter = growthBeforeEachFullCollection();
    applyHeapGrowth(100);
    const double = growthBeforeEachFullCollection();

    // Then each full collection came when the old generation had grown by about that share
    // (plus the young generation's capacity, which V8 adds to the limit)
    expect(quarter).toBeGreaterThan(1.15);
    expect(quarter).toBeLessThan(1.8);
    expect(double).toBeGreaterThan(1.85);
    expect(double).toBeLessThan(3);
    expect(live).toHaveLength(250_000);
  });
});
