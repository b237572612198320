import { type DataSource } from 'typeorm';
import { z } from 'zod';

export const AttemptsQuery = z.strictObject({
  status: z.enum(['succeeded', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  // An attempt id (bigint): at most 18 digits, so it never overflows the column's type.
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'must be a next_cursor as returned')
    .optional(),
});
export type AttemptsQueryInput = z.infer<typeof AttemptsQuery>;

interface AttemptRow {
  id: string;
  endpoint_id: string;
  message_id: string;
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_body: string | null;
}

/** Attempts of one endpoint or one message, newest first, by outcome, a page at a time. */
export async function listAttempts(
  dataSource: DataSource,
  schema: string,
  scope: { readonly endpointId: string } | { readonly messageId: string },
  query: AttemptsQueryInput,
) {
  const s = `"${schema}"`;
  const [column, value] =
    'endpointId' in scope ? ['d.endpoint_id', scope.endpointId] : ['d.message_id', scope.messageId];
  const rows: AttemptRow[] = await dataSource.query(
    `SELECT a.id, d.endpoint_id, d.message_id, a.attempted_at, a.status_code, a.latency_ms, a.error, a.response_body
     FROM ${s}.attempts a JOIN ${s}.deliveries d ON d.id = a.delivery_id AND d.event_id = a.event_id
     WHERE ${column} = $1
       AND ($2::text IS NULL OR ($2 = 'succeeded') = COALESCE(a.status_code BETWEEN 200 AND 299, false))
       AND ($3::bigint IS NULL OR a.id < $3)
     ORDER BY a.id DESC LIMIT $4`,
    [value, query.status ?? null, query.cursor ?? null, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  return {
    data: page.map((a) => ({
      id: a.id,
      endpointId: a.endpoint_id,
      messageId: a.message_id,
      attemptedAt: a.attempted_at.toISOString(),
      statusCode: a.status_code,
      latencyMs: a.latency_ms,
      error: a.error,
      responseBody: a.response_body,
    })),
    next_cursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
