import { childTraceparent, newTraceparent, traceIdOf, traceparentInJson } from './trace-context';

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

describe('trace context', () => {
  it('starts every trace with its own trace id and span id, across many refills of the random pool', () => {
    // Given 2,000 new traces (each takes 24 random bytes: the pool refills about a dozen times)
    const traces = Array.from({ length: 2000 }, () => newTraceparent());

    // Then each is a valid sampled traceparent, and no trace id or span id repeats
    for (const t of traces) expect(t).toMatch(TRACEPARENT);
    expect(new Set(traces.map(traceIdOf)).size).toBe(traces.length);
    expect(new Set(traces.map((t) => t.split('-')[2])).size).toBe(traces.length);
  });

  it('gives a child the same trace and flags and a new span id', () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

    const child = childTraceparent(parent);

    expect(child).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    expect(child.split('-')[2]).not.toBe('b7ad6b7169203331');
  });

  it('starts a new trace for a missing or malformed parent', () => {
    expect(childTraceparent(undefined)).toMatch(TRACEPARENT);
    expect(childTraceparent('01-zz-not-a-traceparent')).toMatch(TRACEPARENT);
  });

  it('finds the traceparent of an envelope kept as JSON', () => {
    const traceparent = newTraceparent();

    expect(traceparentInJson(JSON.stringify({ id: 'e', headers: { traceparent } }))).toBe(
      traceparent,
    );
    expect(traceparentInJson('{"id":"e"}')).toBeUndefined();
  });
});
