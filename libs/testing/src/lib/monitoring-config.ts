import { parser } from '@prometheus-io/lezer-promql';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const Duration = z.string().regex(/^\d+[smhd]$/, 'must be a duration such as 5m');

const AlertRule = z.object({
  alert: z.string().regex(/^[A-Z][A-Za-z0-9]+$/, 'must be a CamelCase alert name'),
  expr: z.string().min(1),
  for: Duration.optional(),
  labels: z.object({ severity: z.enum(['info', 'warning', 'critical']) }).catchall(z.string()),
  annotations: z
    .object({ summary: z.string().min(1), description: z.string().optional() })
    .catchall(z.string()),
});

const RulesFile = z.object({
  groups: z.array(z.object({ name: z.string().min(1), rules: z.array(AlertRule).min(1) })).min(1),
});

export type AlertRule = z.infer<typeof AlertRule>;

/** Prometheus alerting rules from a rules file, each checked for the fields Prometheus needs. */
export function readAlertRules(path: string): AlertRule[] {
  const parsed = RulesFile.safeParse(parseYaml(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`${path} is not a valid rules file:\n${issues.join('\n')}`);
  }
  return parsed.data.groups.flatMap((g) => g.rules);
}

interface DashboardPanel {
  readonly title?: string;
  readonly targets?: readonly { readonly expr?: string }[];
  readonly panels?: readonly DashboardPanel[];
}

/** Every query of a Grafana dashboard's panels (rows' panels included), with its panel's title. */
export function readDashboardQueries(path: string): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(path, 'utf8')) as { panels?: DashboardPanel[] };
  const queries: { panel: string; expr: string }[] = [];
  const visit = (panels: readonly DashboardPanel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr) queries.push({ panel: panel.title ?? '(untitled)', expr: target.expr });
      }
      visit(panel.panels ?? []);
    }
  };
  visit(dashboard.panels ?? []);
  return queries;
}

/**
 * The metrics a PromQL expression selects, parsed with Prometheus' own grammar; a syntax error
 * throws with where it is. Grafana's `$__rate_interval` style variables are not allowed: the
 * rules and the board use plain ranges so the same check covers both.
 */
export function promqlMetricNames(expr: string): string[] {
  const tree = parser.parse(expr);
  const names = new Set<string>();
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) {
      throw new Error(`PromQL syntax error at ${cursor.from} in: ${expr}`);
    }
    if (cursor.name === 'VectorSelector') {
      const selector = cursor.node.getChild('Identifier');
      if (selector) names.add(expr.slice(selector.from, selector.to));
    }
  } while (cursor.next());
  return [...names];
}

const HISTOGRAM_SERIES = /_(bucket|count|sum)$/;

/**
 * The metric family a series name belongs to among `families`: a histogram's `_bucket`,
 * `_count` and `_sum` series belong to the histogram. Undefined when none declares it.
 */
export function familyOf(name: string, families: ReadonlyMap<string, string>): string | undefined {
  if (families.has(name)) return name;
  const base = name.replace(HISTOGRAM_SERIES, '');
  return base !== name && families.get(base) === 'histogram' ? base : undefined;
}

/** Series Prometheus itself records for every target: rules may name them beside our metrics. */
export const PROMETHEUS_OWN_SERIES: ReadonlySet<string> = new Set([
  'up',
  'scrape_duration_seconds',
]);
