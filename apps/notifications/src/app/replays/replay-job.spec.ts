import fc from 'fast-check';
import { progressOf, stateAfterBatch } from './replay-job';

describe('a bulk replay job', () => {
  it('is done once a batch comes back short, or the count at its start is reached', () => {
    expect(stateAfterBatch({ total: 2500, replayed: 0 }, 1000, 1000)).toBe('running');
    expect(stateAfterBatch({ total: 2500, replayed: 2000 }, 500, 1000)).toBe('done');
    expect(stateAfterBatch({ total: 2000, replayed: 1000 }, 1000, 1000)).toBe('done');
    expect(stateAfterBatch({ total: 10, replayed: 0 }, 0, 1000)).toBe('done');
  });

  it('ends: every run of full batches stops by the time the total is reached', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.integer({ min: 1, max: 5000 }), (total, batch) => {
        let replayed = 0;
        for (let round = 0; round <= Math.ceil(total / batch) + 1; round++) {
          if (stateAfterBatch({ total, replayed }, batch, batch) === 'done') return true;
          replayed += batch;
        }
        return false;
      }),
    );
  });

  it('shows progress from 0 to 100, and 100 once done whatever the count', () => {
    expect(progressOf({ total: 200, replayed: 50, state: 'running' })).toBe(25);
    expect(progressOf({ total: 200, replayed: 250, state: 'running' })).toBe(100);
    expect(progressOf({ total: 200, replayed: 120, state: 'done' })).toBe(100);
    expect(progressOf({ total: 0, replayed: 0, state: 'running' })).toBe(100);
  });
});
