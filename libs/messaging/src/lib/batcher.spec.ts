import { waitFor } from '@switchyard/testing';
import fc from 'fast-check';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Batcher } from './batcher';

describe('group commit (Batcher)', () => {
  it('gives every caller its own result, whatever the batch sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 50 }),
        async (items, maxSize) => {
          // Given a batcher that doubles numbers
          const sizes: number[] = [];
          const batcher = new Batcher<number, number>({
            maxSize,
            run: async (batch) => {
              sizes.push(batch.length);
              return batch.map((n) => n * 2);
            },
          });

          // When each item is added by its own caller
          const results = await Promise.all(items.map((n) => batcher.add(n)));

          // Then each got its own answer, and no batch was over the maximum
          expect(results).toEqual(items.map((n) => n * 2));
          expect(Math.max(...sizes)).toBeLessThanOrEqual(maxSize);
          expect(sizes.reduce((a, b) => a + b, 0)).toBe(items.length);
        },
      ),
    );
  });

  it('runs what arrives during a run in the next one, one run at a time', async () => {
    // Given a run that waits until released
    const batches: number[][] = [];
    let running = 0;
    let overlapped = false;
    let release: () => void = () => undefined;
    const batcher = new Batcher<number, number>({
      maxSize: 100,
      run: async (batch) => {
        running++;
        overlapped ||= running > 1;
        batches.push([...batch]);
        await new Promise<void>((resolve) => (release = resolve));
        running--;
        return batch;
      },
    });

    // When one item starts a run and three more arrive while it is in progress
    const first = batcher.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [2, 3, 4].map((n) => batcher.add(n));
    release();
    await first;
    await waitFor('the second run', () => batches.length === 2);
    release();
    await Promise.all(rest);

    // Then the three went together in a second run, never beside the first
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(overlapped).toBe(false);
  });

  it('fails every item of a failed run with its error, and goes on with the next', async () => {
    // Given a run that fails once
    let calls = 0;
    const batcher = new Batcher<string, string>({
      maxSize: 2,
      run: async (batch) => {
        if (calls++ === 0) throw new Error('the database went away');
        return batch;
      },
    });

    // When four items arrive together (two runs of two)
    const settled = await Promise.allSettled(['a', 'b', 'c', 'd'].map((x) => batcher.add(x)));

    // Then the first run's two failed with the error and the second run's two succeeded
    expect(settled.map((s) => s.status)).toEqual([
      'rejected',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((settled[0] as PromiseRejectedResult).reason).toEqual(
      new Error('the database went away'),
    );
  });

  it('refuses a run that answers a different number of results than items', async () => {
    const batcher = new Batcher<number, number>({ maxSize: 10, run: async () => [] });

    await expect(batcher.add(1)).rejects.toThrow('A batch of 1 answered 0 results');
  });

  it('with retryAlone, tries a failed batch one item at a time, so only the bad item fails', async () => {
    // Given a run that fails whenever its batch holds the bad item
    const batcher = new Batcher<string, string>({
      maxSize: 10,
      run: async (batch) => {
        if (batch.includes('bad')) throw new Error('bad item');
        return batch.map((x) => x.toUpperCase());
      },
      retryAlone: () => true,
    });

    // When it arrives with two good ones
    const settled = await Promise.allSettled(['a', 'bad', 'c'].map((x) => batcher.add(x)));

    // Then the good ones are done and only the bad one failed
    expect(settled).toEqual([
      { status: 'fulfilled', value: 'A' },
      { status: 'rejected', reason: new Error('bad item') },
      { status: 'fulfilled', value: 'C' },
    ]);
  });

  it('stops adding to a run before its weight would pass the most, and always takes one', async () => {
    // Given runs of at most 10 units of weight
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>({
      maxSize: 100,
      maxWeight: 10,
      weightOf: (n) => n,
      run: async (batch) => {
        batches.push([...batch]);
        return batch;
      },
    });

    // When items weighing 4, 4, 4, 25 and 1 arrive together
    await Promise.all([4, 4, 4, 25, 1].map((n) => batcher.add(n)));

    // Then runs take what fits, and the item heavier than the most goes alone
    expect(batches).toEqual([[4, 4], [4], [25], [1]]);
  });

  it('refuses an item at once when the most are waiting already, and takes it again later', async () => {
    // Given runs that each wait until released, and a queue of at most two
    const gates: (() => void)[] = [];
    const batcher = new Batcher<number, number>({
      maxSize: 10,
      maxQueued: 2,
      overloaded: () => new Error('overloaded'),
      run: async (batch) => {
        await new Promise<void>((resolve) => gates.push(resolve));
        return batch;
      },
    });
    const first = batcher.add(1);
    await waitFor('the first run', () => gates.length === 1);

    // When three more arrive while it runs
    const waiting = [batcher.add(2), batcher.add(3)];
    const refused = batcher.add(4);

    // Then the third is refused with the overload error, and the other two are done next
    await expect(refused).rejects.toThrow('overloaded');
    gates[0]?.();
    await first;
    await waitFor('the second run', () => gates.length === 2);
    gates[1]?.();
    await expect(Promise.all(waiting)).resolves.toEqual([2, 3]);
    // And once the queue has room again, an item is taken
    const later = batcher.add(5);
    await waitFor('the third run', () => gates.length === 3);
    gates[2]?.();
    await expect(later).resolves.toBe(5);
  });

  it('runs a batch in the async context of its first item, whoever scheduled the run', async () => {
    // Given runs that note the request they run for, the first one held until released
    const storage = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const gates: (() => void)[] = [];
    const batcher = new Batcher<number, number>({
      maxSize: 10,
      run: async (batch) => {
        seen.push(storage.getStore());
        if (seen.length === 1) await new Promise<void>((resolve) => gates.push(resolve));
        return batch;
      },
    });

    // When request-1 adds an item, and request-2 then request-3 add theirs while its run is held
    const first = storage.run('request-1', () => batcher.add(1));
    await waitFor('the first run', () => gates.length === 1);
    const later = [
      storage.run('request-2', () => batcher.add(2)),
      storage.run('request-3', () => batcher.add(3)),
    ];
    gates[0]?.();

    // Then the first run ran for request-1, and the next, scheduled when the first ended, for
    // its own first item's request-2
    await expect(Promise.all([first, ...later])).resolves.toEqual([1, 2, 3]);
    expect(seen).toEqual(['request-1', 'request-2']);
  });

  it('with retryTogether, runs a batch that failed for no item of its own again, as it was', async () => {
    // Given a run that is a deadlock's victim twice, then passes
    const runs: string[][] = [];
    const batcher = new Batcher<string, string>({
      maxSize: 10,
      run: async (batch) => {
        runs.push([...batch]);
        if (runs.length <= 2)
          throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        return batch;
      },
      retryTogether: (err) => (err as { code?: string }).code === '40P01',
    });

    // When two items arrive together
    const results = await Promise.all(['a', 'b'].map((x) => batcher.add(x)));

    // Then they were run together three times and are done
    expect(results).toEqual(['a', 'b']);
    expect(runs).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('with retryTogether, fails the batch after its third try', async () => {
    let runs = 0;
    const batcher = new Batcher<string, string>({
      maxSize: 10,
      run: async () => {
        runs++;
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      },
      retryTogether: () => true,
    });

    await expect(batcher.add('a')).rejects.toThrow('deadlock detected');
    expect(runs).toBe(3);
  });
});
