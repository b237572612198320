import { setFlagsFromString } from 'node:v8';

/**
 * Lets V8's old generation grow `percent` past what survived its last full collection before it
 * collects it again (100: to twice that); 0 leaves the growth to V8. V8 picks it from how fast
 * the program allocates against how fast it collects, and for these services it picked 1.1 to
 * 1.3 times at every load measured (50 and 1,000 events/s, the delivery drain): each service ran
 * a full collection every 1 to 10 seconds, most of what it had promoted being garbage by then.
 * Each one stops its service for 10-30 ms and marks on background threads meanwhile, taking the
 * cores every other process on the event's path needs (docs/benchmarks.md, "Full collections
 * made rarer"). The heap is still bounded: by twice the live set, not by any backlog.
 */
export function applyHeapGrowth(percent: number): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
