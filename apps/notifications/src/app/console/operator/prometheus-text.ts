import parsePrometheusText from 'parse-prometheus-text-format';

/** One sample of a metric family: its labels and value (histograms and summaries are left out). */
export interface MetricSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A scrape, by metric name: counters' and gauges' samples. */
export type MetricFamilies = ReadonlyMap<string, readonly MetricSample[]>;

interface ParsedFamily {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string> }[];
}

/**
 * Prometheus' text exposition format, read by parse-prometheus-text-format; its shapes stay in
 * this file. Only counters and gauges are kept: the overview shows totals and levels.
 */
export function parsePrometheusMetrics(text: string): MetricFamilies {
  const families = parsePrometheusText(text) as ParsedFamily[];
  return new Map(
    families
      .filter((f) => f.type === 'COUNTER' || f.type === 'GAUGE')
      .map((f) => [
        f.name,
        f.metrics
          .map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }))
          .filter((m) => Number.isFinite(m.value)),
      ]),
  );
}

/** The sum of a family's samples whose labels match `where`; undefined when it is not exposed. */
export function sumOf(
  families: MetricFamilies,
  name: string,
  where: (labels: Readonly<Record<string, string>>) => boolean = () => true,
): number | undefined {
  const samples = families.get(name);
  if (!samples) return undefined;
  return samples.filter((s) => where(s.labels)).reduce((total, s) => total + s.value, 0);
}
