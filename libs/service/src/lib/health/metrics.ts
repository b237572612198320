import { Counter, Gauge, register } from 'prom-client';

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

/** A gauge in the process's registry, reused as `counter` is; `collect` reads it at scrape time. */
export function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: L[],
  collect?: (gauge: Gauge<L>) => void | Promise<void>,
): Gauge<L> {
  const existing = register.getSingleMetric(name) as Gauge<L> | undefined;
  if (existing) return existing;
  return new Gauge({
    name,
    help,
    labelNames,
    ...(collect
      ? {
          collect(this: Gauge<L>) {
            return collect(this);
          },
        }
      : {}),
  });
}
