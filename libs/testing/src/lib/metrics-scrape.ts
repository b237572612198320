/** One sample of a Prometheus text exposition: a metric name, its labels and its value. */
export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

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
  private constructor(readonly samples: readonly MetricSample[]) {}

  static async of(baseUrl: string): Promise<MetricsReading> {
    const res = await fetch(`${baseUrl}/metrics`);
    if (!res.ok) throw new Error(`GET ${baseUrl}/metrics answered ${res.status}`);
    return new MetricsReading(parseMetrics(await res.text()));
  }

  static parse(text: string): MetricsReading {
    return new MetricsReading(parseMetrics(text));
  }

  value(name: string, labels: Record<string, string> = {}): number {
    return this.matching(name, labels).reduce((sum, s) => sum + s.value, 0);
  }

  /** Whether the exposition has a sample of this name with these labels (a gauge may be 0). */
  has(name: string, labels: Record<string, string> = {}): boolean {
    return this.matching(name, labels).length > 0;
  }

  /** The metric names exposed, for checking that dashboards and alerts name real ones. */
  names(): Set<string> {
    return new Set(this.samples.map((s) => s.name));
  }

  private matching(name: string, labels: Record<string, string>): MetricSample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }
}
