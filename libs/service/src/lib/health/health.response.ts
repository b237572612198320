import { z } from 'zod';

/** `/health/live`: the process serves. */
export const LivenessResponse = z.object({ status: z.literal('ok') });

const ComponentStatus = z.record(
  z.string(),
  z.looseObject({ status: z.enum(['up', 'down']), message: z.string().optional() }),
);

/** `/health/ready`, as @nestjs/terminus reports it: one entry per dependency (postgres, kafka). */
export const ReadinessResponse = z.object({
  status: z.enum(['ok', 'error', 'shutting_down']),
  info: ComponentStatus.optional(),
  error: ComponentStatus.optional(),
  details: ComponentStatus,
});

/** `/metrics`: Prometheus's text exposition format. */
export const MetricsResponse = z.string();
