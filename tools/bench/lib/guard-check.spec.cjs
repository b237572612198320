const { boundOf, collect, compare } = require('./guard-check.cjs');

const baseline = {
  'drain.endpoints-10.x-ceiling': { documented: 0.054 },
  'orders.connections-10.x-ceiling': { documented: 0.2 },
};
const statusOf = (verdict, name) => verdict.rows.find((r) => r.name === name)?.status;

describe('the regression guard', () => {
  it('passes a ratio at or above half its documented value, fails one below', () => {
    const verdict = compare({
      baseline,
      measured: { 'drain.endpoints-10.x-ceiling': 0.027, 'orders.connections-10.x-ceiling': 0.099 },
    });
    expect(statusOf(verdict, 'drain.endpoints-10.x-ceiling')).toBe('ok');
    expect(statusOf(verdict, 'orders.connections-10.x-ceiling')).toBe('FAIL');
    expect([verdict.passed, verdict.failed]).toEqual([1, 1]);
  });

  it('passes a ratio that got better, however much', () => {
    const verdict = compare({
      baseline,
      measured: { 'drain.endpoints-10.x-ceiling': 0.5, 'orders.connections-10.x-ceiling': 3 },
    });
    expect(verdict.failed).toBe(0);
  });

  it('fails a documented ratio that has no result or no number', () => {
    const verdict = compare({ baseline, measured: { 'drain.endpoints-10.x-ceiling': null } });
    expect(verdict.rows.map((r) => [r.name, r.status, r.reason])).toEqual([
      ['drain.endpoints-10.x-ceiling', 'FAIL', 'no result'],
      ['orders.connections-10.x-ceiling', 'FAIL', 'no result'],
    ]);
    expect(compare({ baseline, measured: { 'drain.endpoints-10.x-ceiling': NaN } }).failed).toBe(2);
  });

  it('reports a result with no documented value without counting it', () => {
    const verdict = compare({
      baseline: {},
      measured: { 'fanout.x-something-new': 0.01 },
    });
    expect(verdict.rows).toEqual([
      expect.objectContaining({ name: 'fanout.x-something-new', status: 'new' }),
    ]);
    expect([verdict.passed, verdict.failed]).toEqual([0, 0]);
  });

  it('reports a ratio marked unguarded, with its reason, without counting it', () => {
    const verdict = compare({
      baseline: { 'e2e.rate-1000.x-offered': { documented: 0.04, guarded: false, why: 'noisy' } },
      measured: { 'e2e.rate-1000.x-offered': 0.001 },
    });
    expect(verdict.rows).toEqual([
      expect.objectContaining({ status: 'unguarded', reason: 'noisy', measured: 0.001 }),
    ]);
    expect([verdict.passed, verdict.failed]).toEqual([0, 0]);
  });

  it('bounds a lower-is-better ratio at twice its documented value', () => {
    expect(boundOf(0.3, false)).toBeCloseTo(0.6);
    const lower = { 'x.latency-ratio': { documented: 0.3, higherIsBetter: false } };
    expect(compare({ baseline: lower, measured: { 'x.latency-ratio': 0.6 } }).failed).toBe(0);
    expect(compare({ baseline: lower, measured: { 'x.latency-ratio': 0.61 } }).failed).toBe(1);
  });

  it('counts each benchmark that ran as a check, failed when it exited non-zero', () => {
    const verdict = compare({
      baseline: {},
      measured: {},
      runs: [
        { bench: 'drain', name: 'delivery drain', exit: 0 },
        { bench: 'e2e', name: 'end to end', exit: 1 },
        { bench: 'orders', name: 'orders API', exit: 'SIGTERM' },
      ],
    });
    expect(verdict.rows.map((r) => [r.name, r.status])).toEqual([
      ['drain', 'ok'],
      ['e2e', 'FAIL'],
      ['orders', 'FAIL'],
    ]);
  });

  it('checks only the benchmarks asked for', () => {
    const verdict = compare({
      baseline,
      measured: { 'drain.endpoints-10.x-ceiling': 0.05 },
      runs: [{ bench: 'drain', exit: 0 }],
      only: ['drain'],
    });
    expect(verdict.rows.map((r) => r.name)).toEqual(['drain', 'drain.endpoints-10.x-ceiling']);
    expect(verdict.failed).toBe(0);
  });

  it("leaves out results of another run, so a crash cannot pass on an earlier run's figures", () => {
    const files = [
      {
        bench: 'drain',
        runId: 'now',
        ratios: [{ name: 'drain.endpoints-10.x-ceiling', ratio: 0.05 }],
      },
      {
        bench: 'orders',
        runId: 'before',
        ratios: [{ name: 'orders.connections-10.x-ceiling', ratio: 0.2 }],
      },
    ];
    expect(collect(files, 'now')).toEqual({ 'drain.endpoints-10.x-ceiling': 0.05 });
    expect(Object.keys(collect(files, undefined))).toHaveLength(2);
  });
});
