import {
  type Attributes,
  context,
  type Context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { childTraceparent, newTraceparent } from '../trace-context';

const tracer = trace.getTracer('switchyard');

export { SpanKind };
export type { Span };

/** The context a W3C `traceparent` names (an event's, a stored request's): spans start under it. */
function contextOf(traceparent: string | null | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/** The `traceparent` of a span, for the events it causes; undefined while tracing is off. */
export function traceparentOf(span: Span): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier['traceparent'];
}

/**
 * The `traceparent` of the span active now (a request being served) while tracing is on, sampled
 * or not: what follows keeps the sampler's decision instead of starting a trace of its own.
 */
export function activeTraceparent(): string | undefined {
  const active = trace.getActiveSpan();
  return active && isSpanContextValid(active.spanContext()) ? traceparentOf(active) : undefined;
}

/**
 * Whether tracing is on in this process (an SDK registered a propagator): work that exists only
 * for spans, such as finding an event's traceparent in its JSON, is skipped when it is not.
 */
export function tracingOn(): boolean {
  return propagation.fields().length > 0;
}

/**
 * The `traceparent` for an event caused by the work in progress: the active span's when tracing
 * records one, else a child of `parent` (the event being handled), else a new trace. Events carry
 * one either way, so their logs join up even with tracing off.
 */
export function traceparentForNewEvent(parent?: string): string {
  return activeTraceparent() ?? (parent ? childTraceparent(parent) : newTraceparent());
}

/** Starts a span under `parent` (a traceparent); a no-op span while tracing is off. */
export function startSpan(
  name: string,
  parent: string | null | undefined,
  kind: SpanKind,
  attributes: Attributes = {},
): Span {
  return tracer.startSpan(name, { kind, attributes }, contextOf(parent));
}

/** Runs `work` with `span` active (queries, logs and new events inside join it), then ends it. */
export async function withinSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } catch (err) {
    markFailed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Marks a span failed with the error; the caller ends it (withinSpan does). */
export function markFailed(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
}

/** The trace id of the span active now, for log lines; undefined while none records. */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}
