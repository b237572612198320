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

/** Each gauge's current reader: the app created last in the process (tests make several). */
const collectors = new Map<string, GaugeCollect<string>>();

/** A scrape waits this long for a gauge's reading, so a dependency that hangs cannot hang it. */
const COLLECT_TIMEOUT_MS = 2000;

/**
 * A gauge in the process's registry, reused as `counter` is; `collect` reads it at scrape time.
 * A reading that fails or takes longer than two seconds leaves the gauge without samples for
 * that scrape: no value is better than a stale one that looks current (Prometheus marks it
 * absent, which alerts can test with `absent()`).
 */
export function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: L[],
  collect?: GaugeCollect<L>,
): Gauge<L> {
  if (collect) collectors.set(name, collect as GaugeCollect<string>);
  const existing = register.getSingleMetric(name) as Gauge<L> | undefined;
  if (existing) return existing;
  return new Gauge({
    name,
    help,
    labelNames,
    ...(collect
      ? {
          async collect(this: Gauge<L>) {
            try {
              await withinCollectTimeout(collectors.get(name)?.(this as Gauge<string>));
            } catch {
              this.reset();
            }
          },
        }
      : {}),
  });
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
