import path from 'node:path';
import {
  familyOf,
  PROMETHEUS_OWN_SERIES,
  promqlMetricNames,
  readAlertRules,
  readDashboardQueries,
} from './monitoring-config';

const docs = path.resolve(__dirname, '../../../../docs/operations');

describe('the alert rules and the dashboard in docs/operations', () => {
  const rules = readAlertRules(path.join(docs, 'alerts.yml'));
  const queries = readDashboardQueries(path.join(docs, 'dashboard.json'));

  it('has the alerts the operators asked for, each well-formed', () => {
    const names = rules.map((r) => r.alert);
    expect(names).toEqual(
      expect.arrayContaining([
        'SwitchyardDeadLettersGrowing',
        'SwitchyardConsumerLagGrowing',
        'SwitchyardOutboxStuck',
        'SwitchyardDeliveryFailureRatio',
        'SwitchyardEndpointFailureRatio',
        'SwitchyardEndpointFailing',
        'SwitchyardCircuitsOpen',
        'SwitchyardStripeSignatureFailures',
        'SwitchyardReconciliationRecovering',
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
  });

  it('parses every rule expression and dashboard query as PromQL, each naming our metrics', () => {
    const expressions = [...rules.map((r) => r.expr), ...queries.map((q) => q.expr)];
    expect(queries.length).toBeGreaterThan(20);
    for (const expr of expressions) {
      const names = promqlMetricNames(expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        if (!PROMETHEUS_OWN_SERIES.has(name)) expect(name).toMatch(/^switchyard_/);
      }
    }
  });
});

describe('promqlMetricNames', () => {
  it('lists the metrics an expression selects, matchers and functions aside', () => {
    expect(
      promqlMetricNames(
        'sum by (le) (rate(a_seconds_bucket{job="x"}[5m])) / on() group_left max(b_total) > 3',
      ).sort(),
    ).toEqual(['a_seconds_bucket', 'b_total']);
  });

  it('refuses an expression with a syntax error, saying where', () => {
    expect(() => promqlMetricNames('sum(rate(a_total[5m])')).toThrow(/PromQL syntax error at/);
    expect(() => promqlMetricNames('max by job (a)')).toThrow(/PromQL syntax error/);
  });
});

describe('familyOf', () => {
  const families = new Map([
    ['a_seconds', 'histogram'],
    ['b_total', 'counter'],
    ['c_count', 'gauge'],
  ]);

  it("finds a histogram's series under the histogram, and nothing else under a suffix", () => {
    expect(familyOf('a_seconds_bucket', families)).toBe('a_seconds');
    expect(familyOf('a_seconds_count', families)).toBe('a_seconds');
    expect(familyOf('b_total', families)).toBe('b_total');
    expect(familyOf('c_count', families)).toBe('c_count');
    expect(familyOf('b_total_sum', families)).toBeUndefined();
    expect(familyOf('d_total', families)).toBeUndefined();
  });
});
