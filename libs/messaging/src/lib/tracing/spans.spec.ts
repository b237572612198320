import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  activeTraceId,
  SpanKind,
  startSpan,
  traceparentForNewEvent,
  traceparentOf,
  withinSpan,
} from './spans';

const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('spans while tracing is off (no SDK registered)', () => {
  it('still gives new events a traceparent: a child of the event handled, or a new trace', () => {
    const child = traceparentForNewEvent(parent);
    expect(child).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(child).not.toBe(parent);
    expect(traceparentForNewEvent()).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('records nothing and names no trace in log lines', async () => {
    const span = startSpan('consume order.paid', parent, SpanKind.CONSUMER);
    await withinSpan(span, async () => {
      expect(span.isRecording()).toBe(false);
      expect(activeTraceId()).toBeUndefined();
    });
  });
});

describe('spans while tracing is on', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
  });

  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('continues the trace of the event it handles, and the events it causes are its children', async () => {
    // Given a consumed event's traceparent
    const span = startSpan('consume payment.succeeded', parent, SpanKind.CONSUMER);

    // When the handler causes an event and logs, inside the span
    let caused = '';
    let logged: string | undefined;
    await withinSpan(span, async () => {
      await Promise.resolve();
      caused = traceparentForNewEvent(parent);
      logged = activeTraceId();
    });

    // Then the span is the event's child, the new event the span's, and the log names the trace
    const [finished] = exporter.getFinishedSpans();
    expect(finished?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(finished?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(caused).toBe(traceparentOf(span));
    expect(caused.split('-')[2]).toBe(finished?.spanContext().spanId);
    expect(logged).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('marks a span failed when its work throws, and still ends it', async () => {
    exporter.reset();
    const span = startSpan('webhook.attempt', parent, SpanKind.CLIENT);

    await expect(
      withinSpan(span, () => Promise.reject(new Error('connection refused'))),
    ).rejects.toThrow('connection refused');

    const [finished] = exporter.getFinishedSpans();
    expect(finished?.status).toEqual({ code: 2, message: 'Error: connection refused' });
    expect(finished?.events.map((e) => e.name)).toEqual(['exception']);
  });
});
