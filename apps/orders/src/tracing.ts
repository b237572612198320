// The first import of main.ts: tracing, when OTEL_* variables ask for it, must start before
// anything loads `http` or `pg`.
import { startTracing } from '@switchyard/service/tracing';

startTracing('orders');
