import { waitFor } from '@switchyard/testing';
import { PublishedMarks } from './published-marks';

describe('PublishedMarks', () => {
  type Call = { ids: readonly string[]; at: readonly Date[] };

  function marksRecording(options: { delayMs?: number; limit?: number } = {}) {
    const calls: Call[] = [];
    const errors: unknown[] = [];
    let next: Promise<void> = Promise.resolve();
    const marks = new PublishedMarks(
      async (ids, at) => {
        calls.push({ ids, at });
        await next;
      },
      {
        delayMs: options.delayMs ?? 50,
        limit: options.limit ?? 100,
        onError: (err) => errors.push(err),
      },
    );
    return { marks, calls, errors, holdNextMark: (p: Promise<void>) => (next = p) };
  }

  it('marks rows sent apart together, once the delay is over, each with its own time', async () => {
    // Given rows sent at two moments
    const { marks, calls } = marksRecording();
    const times = [new Date(1_000), new Date(2_000)];
    await marks.add(['a'], times[0] as Date);
    await marks.add(['b', 'c'], times[1] as Date);

    // When the delay is over
    await waitFor('the mark', () => calls.length > 0);

    // Then one mark holds them all, each with the time Kafka took it
    expect(calls).toEqual([{ ids: ['a', 'b', 'c'], at: [times[0], times[1], times[1]] }]);
  });

  it('marks at once when as many rows wait as the limit', async () => {
    const { marks, calls } = marksRecording({ delayMs: 60_000, limit: 2 });

    await marks.add(['a', 'b'], new Date());

    expect(calls.map((c) => c.ids)).toEqual([['a', 'b']]);
  });

  it('keeps rows being marked out of reads until their mark is done', async () => {
    // Given a mark that has not finished
    const { marks, holdNextMark } = marksRecording();
    let finish!: () => void;
    holdNextMark(new Promise<void>((resolve) => (finish = resolve)));
    await marks.add(['a'], new Date());
    const marking = marks.flush();
    await marks.add(['b'], new Date());

    // Then both the row being marked and the one waiting are left out
    expect([...marks.pending].sort()).toEqual(['a', 'b']);

    // And once the mark is done, only the waiting one
    finish();
    await marking;
    expect(marks.pending).toEqual(['b']);
  });

  it('reports a failed mark and lets its rows be read again, to be published again', async () => {
    const errors: unknown[] = [];
    const marks = new PublishedMarks(() => Promise.reject(new Error('connection lost')), {
      delayMs: 50,
      limit: 100,
      onError: (err) => errors.push(err),
    });
    await marks.add(['a'], new Date());

    await marks.flush();

    expect(errors).toEqual([new Error('connection lost')]);
    expect(marks.pending).toEqual([]);
  });

  it('forgets what waits when dropped, and marks nothing of it', async () => {
    const { marks, calls } = marksRecording({ delayMs: 10 });
    await marks.add(['a'], new Date());

    marks.drop();
    await marks.add(['b'], new Date());
    await waitFor('the later row marked', () => calls.length > 0);

    expect(calls.map((c) => c.ids)).toEqual([['b']]);
  });
});
