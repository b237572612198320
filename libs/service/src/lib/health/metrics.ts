import { Counter, Gauge, Histogram, register } from 'prom-client';

/**
 * A counter in the process's registry. An app created twice in one process (in-process tests)
 * gets the metric it registered the first time instead of a duplicate-name error.
 */
export function counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
  return (
    (register.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter({ name, help, labelNames })
  );
}

/** What a gauge reads at scrape time (the database, the broker). */
export type GaugeCollect<L extends string> = (gauge: Gauge<L>) => void | Promise<void>;

interface Reader {
  readonly owner: object;
  readonly collect: GaugeCollect<string>;
}

/**
 * Each gauge's readers, the newest last: the newest reads. One app per process has one each;
 * tests that run several apps in one process release theirs as each app stops, so the app still
 * running reads its own database again.
 */
const readers = new Map<string, Reader[]>();

/** A scrape waits this long for a gauge's reading, so a dependency that hangs cannot hang it. */
const COLLECT_TIMEOUT_MS = 2000;

/**
 * A gauge in the process's registry, reused as `counter` is. With `collect`, it is read at
 * scrape time on behalf of `owner` (see `releaseGauges`). A reading that fails or takes longer
 * than two seconds leaves the gauge without a sample for that scrape: no value is better than a
 * stale one, or a zero that looks healthy (Prometheus sees it absent; alerts test `absent()`).
 */
export function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: L[],
  collect?: GaugeCollect<L>,
  owner: object = collectors,
): Gauge<L> {
  if (collect) {
    const list = readers.get(name) ?? [];
    list.push({ owner, collect: collect as GaugeCollect<string> });
    readers.set(name, list);
  }
  const existing = register.getSingleMetric(name) as Gauge<L> | undefined;
  if (existing) return existing;
  return new Gauge({
    name,
    help,
    labelNames,
    ...(collect
      ? {
          async collect(this: Gauge<L>) {
            const reader = readers.get(name)?.at(-1);
            try {
              if (!reader) throw new Error(`nothing reads ${name}`);
              await withinCollectTimeout(reader.collect(this as Gauge<string>));
            } catch {
              withoutSamples(this);
            }
          },
        }
      : {}),
  });
}

/**
 * One reading shared by the gauges of a scrape: the gauges read in parallel, and each asking
 * would run the same query once per gauge. The next scrape reads afresh.
 */
export function sharedPerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let reading: Promise<T> | null = null;
  return () => (reading ??= read().finally(() => setImmediate(() => (reading = null))));
}

/** The default owner, for a gauge read the same way whichever app is running. */
const collectors = {};

/** Stops reading the gauges `owner` registered (its app is stopping). */
export function releaseGauges(owner: object): void {
  for (const [name, list] of readers) {
    const kept = list.filter((reader) => reader.owner !== owner);
    if (kept.length > 0) readers.set(name, kept);
    else readers.delete(name);
  }
}

/**
 * Drops every sample of a gauge. prom-client's `reset()` puts a label-less gauge back at 0, a
 * value Prometheus would take for a real reading.
 */
function withoutSamples(gauge: Gauge<string>): void {
  (gauge as unknown as { hashMap: Record<string, unknown> }).hashMap = {};
}

async function withinCollectTimeout(reading: void | Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      reading,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('gauge reading timed out')), COLLECT_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Seconds, from a millisecond to a minute: webhook attempts, handlers and publishes all fall in
 * it, and a fixed set keeps the series count bounded.
 */
export const SECONDS_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** A histogram in the process's registry, reused as `counter` is. */
export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: L[],
  buckets: number[] = SECONDS_BUCKETS,
): Histogram<L> {
  return (
    (register.getSingleMetric(name) as Histogram<L> | undefined) ??
    new Histogram({ name, help, labelNames, buckets })
  );
}
