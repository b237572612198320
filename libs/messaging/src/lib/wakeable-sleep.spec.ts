import { WakeableSleep } from './wakeable-sleep';

describe('a wakeable pause', () => {
  it('ends early when woken', async () => {
    const pause = new WakeableSleep();
    let ended = false;

    const sleeping = pause.sleep(60_000).then(() => (ended = true));
    pause.wake();
    await sleeping;

    expect(ended).toBe(true);
  });

  it('remembers a wake-up that came while it was not sleeping, once', async () => {
    jest.useFakeTimers();
    try {
      const pause = new WakeableSleep();
      pause.wake();
      let first = false;
      let second = false;

      await pause.sleep(60_000).then(() => (first = true));
      void pause.sleep(60_000).then(() => (second = true));
      await Promise.resolve();

      expect(first).toBe(true);
      expect(second).toBe(false);
      jest.advanceTimersByTime(60_000);
      await Promise.resolve();
      expect(second).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
