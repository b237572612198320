/** One sample of a Prometheus text exposition: a metric name, its labels and its value. */
export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The metric families an exposition declares (`# TYPE name type`), samples or not: prom-client
 * declares a labelled counter before its first increment, so this is every metric a service
 * exports, where the samples are only those that have happened.
 */
export function parseMetricFamilies(text: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/.exec(line);
    if (match) families.set(match[1] as string, match[2] as string);
  }
  return families;
}

/** The samples of a Prometheus text exposition (version 0.0.4); comments and blank lines skipped. */
export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`Not a Prometheus sample line: ${line}`);
    const [, name, labelText = '', value] = match as unknown as [string, string, string, string];
    const labels: Record<string, string> = {};
    for (const [, key, raw] of labelText.matchAll(LABEL)) {
      labels[key as string] = (raw as string).replace(/\\(.)/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      );
    }
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

/**
 * What a service's `/metrics` says right now, read the way Prometheus reads it. `value` sums the
 * samples of a name whose labels include `labels` (0 when none does), so a test can take a
 * reading before and after and assert the exact difference.
 */
export class MetricsReading {
  private constructor(
    readonly samples: readonly MetricSample[],
    /** Each declared metric family and its type. */
    readonly families: ReadonlyMap<string, string>,
    /** The exposition as served, for keeping beside a test run. */
    readonly text: string,
  ) {}

  static async of(baseUrl: string): Promise<MetricsReading> {
    const res = await fetch(`${baseUrl}/metrics`);
    if (!res.ok) throw new Error(`GET ${baseUrl}/metrics answered ${res.status}`);
    return MetricsReading.parse(await res.text());
  }

  static parse(text: string): MetricsReading {
    return new MetricsReading(parseMetrics(text), parseMetricFamilies(text), text);
  }

  value(name: string, labels: Record<string, string> = {}): number {
    return this.matching(name, labels).reduce((sum, s) => sum + s.value, 0);
  }

  /** Whether the exposition has a sample of this name with these labels (a gauge may be 0). */
  has(name: string, labels: Record<string, string> = {}): boolean {
    return this.matching(name, labels).length > 0;
  }

  private matching(name: string, labels: Record<string, string>): MetricSample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }
}
