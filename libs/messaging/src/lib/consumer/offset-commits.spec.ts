import { OffsetCommits, type PartitionOffset } from './offset-commits';

describe('OffsetCommits', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function recorder(fail: () => boolean = () => false) {
    const commits: PartitionOffset[][] = [];
    const commit = async (offsets: readonly PartitionOffset[]) => {
      if (fail()) throw new Error('broker said no');
      commits.push([...offsets]);
    };
    return { commits, commit };
  }

  it('commits the offset after the last handled one of each partition, once per interval', async () => {
    // Given commits every second
    const { commits, commit } = recorder();
    const offsets = new OffsetCommits(commit, 1000);

    // When three messages of one partition and one of another are handled within it
    await offsets.handled('t', 0, '4');
    await offsets.handled('t', 0, '5');
    await offsets.handled('t', 1, '9');
    await offsets.handled('t', 0, '6');
    expect(commits).toEqual([]);
    await jest.advanceTimersByTimeAsync(1000);

    // Then one commit says where each partition resumes
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '7' },
        { topic: 't', partition: 1, offset: '10' },
      ],
    ]);
  });

  it('commits before the handled promise settles when the interval is 0', async () => {
    const { commits, commit } = recorder();
    const offsets = new OffsetCommits(commit, 0);

    await offsets.handled('t', 2, '41');

    expect(commits).toEqual([[{ topic: 't', partition: 2, offset: '42' }]]);
  });

  it('commits what is pending at once on flush, and nothing when nothing is', async () => {
    const { commits, commit } = recorder();
    const offsets = new OffsetCommits(commit, 60_000);
    await offsets.handled('t', 0, '1');

    await offsets.flush();
    await offsets.flush();

    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
  });

  it('keeps a failed commit and tries it again an interval later, unless newer offsets came meanwhile', async () => {
    // Given a broker that takes a while to refuse the first commit
    let refuse = true;
    const commits: PartitionOffset[][] = [];
    const errors: unknown[] = [];
    const offsets = new OffsetCommits(
      async (o) => {
        const refusing = refuse;
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (refusing) throw new Error('broker said no');
        commits.push([...o]);
      },
      1000,
      (err) => errors.push(err),
    );
    await offsets.handled('t', 0, '1');
    await offsets.handled('t', 1, '5');
    await jest.advanceTimersByTimeAsync(1000);

    // When partition 0 moves on while that commit is still in flight, and it then fails
    await offsets.handled('t', 0, '3');
    refuse = false;
    await jest.advanceTimersByTimeAsync(100);
    expect(errors).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1100);

    // Then the retry carries partition 0's newer offset, not the failed one, and partition 1's
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '4' },
        { topic: 't', partition: 1, offset: '6' },
      ],
    ]);
  });

  it('retries a failed commit by itself when there is no interval', async () => {
    let refuse = true;
    const { commits, commit } = recorder(() => refuse);
    const offsets = new OffsetCommits(commit, 0);

    await offsets.handled('t', 0, '7');
    refuse = false;
    await jest.advanceTimersByTimeAsync(1000);

    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '8' }]]);
  });

  it('forgets partitions the member no longer owns', async () => {
    const { commits, commit } = recorder();
    const offsets = new OffsetCommits(commit, 1000);
    await offsets.handled('t', 0, '1');
    await offsets.handled('t', 1, '1');

    offsets.retain((_topic, partition) => partition === 1);
    await offsets.flush();

    expect(commits).toEqual([[{ topic: 't', partition: 1, offset: '2' }]]);
  });

  it('does not keep a commit that failed across a rebalance for a later one', async () => {
    // Given a commit in flight when the member is assigned other partitions
    let refuse = true;
    const commits: PartitionOffset[][] = [];
    const offsets = new OffsetCommits(async (o) => {
      const refusing = refuse;
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (refusing) throw new Error('rebalance in progress');
      commits.push([...o]);
    }, 1000);
    await offsets.handled('t', 0, '1');
    const failing = offsets.flush();
    await jest.advanceTimersByTimeAsync(0);
    offsets.retain(() => true);

    // When it fails and the broker accepts commits again
    refuse = false;
    await jest.advanceTimersByTimeAsync(100);
    await failing;
    await jest.advanceTimersByTimeAsync(2000);

    // Then its offsets are not committed later under the new assignment
    expect(commits).toEqual([]);
  });

  it('runs one commit at a time', async () => {
    // Given a commit that is slow to answer
    let inFlight = 0;
    let most = 0;
    const commits: PartitionOffset[][] = [];
    const offsets = new OffsetCommits(async (o) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 50));
      commits.push([...o]);
      inFlight--;
    }, 1000);

    // When a second flush is asked for while the first commit runs
    await offsets.handled('t', 0, '1');
    const first = offsets.flush();
    await jest.advanceTimersByTimeAsync(0);
    await offsets.handled('t', 0, '2');
    const second = offsets.flush();
    await jest.advanceTimersByTimeAsync(200);
    await Promise.all([first, second]);

    // Then both committed, one after the other
    expect(commits).toEqual([
      [{ topic: 't', partition: 0, offset: '2' }],
      [{ topic: 't', partition: 0, offset: '3' }],
    ]);
    expect(most).toBe(1);
  });

  it('keeps committing after its error report throws', async () => {
    let refuse = true;
    const { commits, commit } = recorder(() => refuse);
    const offsets = new OffsetCommits(commit, 1000, () => {
      throw new Error('the logger broke');
    });

    await offsets.handled('t', 0, '1');
    await offsets.flush();
    refuse = false;
    await offsets.handled('t', 0, '2');
    await offsets.flush();

    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '3' }]]);
  });

  it('commits once more on close and then neither retries nor takes new offsets', async () => {
    const { commits, commit } = recorder(() => commits.length > 0);
    const offsets = new OffsetCommits(commit, 1000);
    await offsets.handled('t', 0, '1');

    await offsets.close();
    await offsets.handled('t', 0, '2');
    await jest.advanceTimersByTimeAsync(5000);

    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
  });
});
