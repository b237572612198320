import type * as HttpInstrumentationModule from '@opentelemetry/instrumentation-http';
import type * as PgInstrumentationModule from '@opentelemetry/instrumentation-pg';
import type * as SdkModule from '@opentelemetry/sdk-node';

let sdk: SdkModule.NodeSDK | null = null;

/**
 * Whether the standard OpenTelemetry variables ask for traces: an OTLP endpoint, or an exporter
 * named in OTEL_TRACES_EXPORTER; `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it
 * off. Unset, nothing is started and nothing is recorded: spans cost nothing.
 */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['OTEL_SDK_DISABLED'] === 'true') return false;
  const exporter = env['OTEL_TRACES_EXPORTER'];
  if (exporter !== undefined && exporter !== '') return exporter !== 'none';
  return Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
}

/**
 * Starts OpenTelemetry tracing for a service when configured (`tracingConfigured`). Must run
 * before anything loads `http` or `pg`: the instrumentations patch those modules as they are
 * required, so a service's main file imports `@switchyard/service/tracing` first. Exporter,
 * endpoint, protocol, sampler and batching all come from the standard OTEL_* variables; metrics
 * stay with Prometheus (/metrics) and logs with pino, unless OTEL_* variables say otherwise.
 */
export function startTracing(service: string): void {
  if (sdk || !tracingConfigured()) return;
  process.env['OTEL_METRICS_EXPORTER'] ??= 'none';
  process.env['OTEL_LOGS_EXPORTER'] ??= 'none';
  // Loaded only when tracing is on: the SDK and its exporters are a large part of a start-up.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof SdkModule;
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof HttpInstrumentationModule;
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof PgInstrumentationModule;
  sdk = new NodeSDK({
    serviceName: process.env['OTEL_SERVICE_NAME'] ?? `switchyard-${service}`,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes every few seconds would bury the traces of real work.
        ignoreIncomingRequestHook: (request) => /^\/(health|metrics)\b/.test(request.url ?? ''),
      }),
      // Queries outside a traced operation (polls, lease renewals) are not worth a trace each.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
}

/** Sends the spans still buffered and stops; the service calls it as it shuts down. */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = null;
  await running?.shutdown();
}
