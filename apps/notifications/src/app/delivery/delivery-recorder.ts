import { newEventId } from '@switchyard/contracts';
import { type DeliveryVerdict } from '@switchyard/retry';
import { type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type WebhookResponse } from './webhook-sender';

export interface AttemptRecord {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly endpointId: string;
  readonly attempts: number;
  readonly verdict: DeliveryVerdict;
  /** Milliseconds to the next attempt; null when this attempt was the last. */
  readonly delay: number | null;
  readonly response: WebhookResponse;
}

export interface RecordSettings {
  readonly schema: string;
  /** The instance that claimed the delivery; a lease lost to another instance is not overwritten. */
  readonly instanceId: string;
  readonly breakerThreshold: number;
  readonly breakerCooldownMs: number;
  readonly autoDisableAfterMs: number;
}

export type RecordOutcome =
  | { readonly disabled: false; readonly leaseLost?: boolean }
  | { readonly disabled: true; readonly reason: string };

/**
 * Writes one attempt, the delivery's new state and the endpoint's health in one transaction.
 * A success closes the circuit; a failure counts towards opening it; an endpoint that answers
 * 410, or has failed without a success for longer than the auto-disable period, is disabled and
 * its partner told through `endpoint.disabled` on their other endpoints.
 */
export async function recordAttempt(
  manager: EntityManager,
  record: AttemptRecord,
  settings: RecordSettings,
): Promise<RecordOutcome> {
  const s = `"${settings.schema}"`;
  const { response } = record;
  const status =
    record.verdict === 'success' ? 'succeeded' : record.delay === null ? 'failed' : 'pending';
  await manager.query(
    `INSERT INTO ${s}.attempts (delivery_id, event_id, status_code, latency_ms, error, response_body, sent_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      record.deliveryId,
      record.eventId,
      response.statusCode ?? null,
      response.latencyMs,
      response.error ?? null,
      response.body ?? null,
      settings.instanceId,
    ],
  );
  const [, updated]: [unknown[], number] = await manager.query(
    `UPDATE ${s}.deliveries SET status = $2, attempts = $3, locked_until = NULL, locked_by = NULL,
       next_attempt_at = now() + make_interval(secs => $4::double precision / 1000),
       last_status_code = $5, last_error = $6, updated_at = now()
     WHERE id = $1 AND locked_by = $7 AND event_id = $8`,
    [
      record.deliveryId,
      status,
      record.attempts,
      record.delay ?? 0,
      response.statusCode ?? null,
      response.error ?? null,
      settings.instanceId,
      record.eventId,
    ],
  );
  // Our lease ran out and another instance took the delivery over: the attempt is on record, and
  // the delivery's state and the endpoint's health are the new owner's to write.
  if (updated === 0) return { disabled: false, leaseLost: true };
  if (record.verdict === 'success') {
    await manager.query(
      `UPDATE ${s}.endpoints SET consecutive_failures = 0, failing_since = NULL, circuit_open_until = NULL WHERE id = $1`,
      [record.endpointId],
    );
    return { disabled: false };
  }
  const [[health]]: [{ failing_for_ms: number; enabled: boolean }[], number] = await manager.query(
    `UPDATE ${s}.endpoints SET consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, now()),
       circuit_open_until = CASE WHEN consecutive_failures + 1 >= $2 THEN now() + make_interval(secs => $3 / 1000.0)
                                 ELSE circuit_open_until END
     WHERE id = $1
     RETURNING enabled, EXTRACT(EPOCH FROM (now() - failing_since)) * 1000 AS failing_for_ms`,
    [record.endpointId, settings.breakerThreshold, settings.breakerCooldownMs],
  );
  if (!health?.enabled) return { disabled: false };
  const reason =
    record.verdict === 'disable_endpoint'
      ? 'the endpoint answered 410 Gone'
      : Number(health.failing_for_ms) >= settings.autoDisableAfterMs
        ? `every attempt failed for ${Math.round(Number(health.failing_for_ms) / 1000)}s`
        : null;
  if (!reason) return { disabled: false };
  await disableEndpoint(manager, s, record.endpointId, reason);
  return { disabled: true, reason };
}

/**
 * An attempt our own shutdown cut short: on record as such, and due again at once, by any
 * instance. It does not count against the retry schedule; the partner did nothing wrong.
 */
export async function recordInterruption(
  manager: EntityManager,
  record: Pick<AttemptRecord, 'deliveryId' | 'eventId' | 'response'>,
  settings: Pick<RecordSettings, 'schema' | 'instanceId'>,
): Promise<void> {
  const s = `"${settings.schema}"`;
  await manager.query(
    `INSERT INTO ${s}.attempts (delivery_id, event_id, status_code, latency_ms, error, sent_by)
     VALUES ($1, $2, NULL, $3, $4, $5)`,
    [
      record.deliveryId,
      record.eventId,
      record.response.latencyMs,
      record.response.error ?? 'interrupted',
      settings.instanceId,
    ],
  );
  await manager.query(
    `UPDATE ${s}.deliveries SET locked_until = NULL, locked_by = NULL, next_attempt_at = now(),
       last_error = $3, updated_at = now()
     WHERE id = $1 AND locked_by = $2 AND event_id = $4`,
    [
      record.deliveryId,
      settings.instanceId,
      record.response.error ?? 'interrupted',
      record.eventId,
    ],
  );
}

async function disableEndpoint(
  manager: EntityManager,
  s: string,
  endpointId: string,
  reason: string,
): Promise<void> {
  const [[endpoint]]: [{ partner_id: string; url: string; failing_since: Date | null }[], number] =
    await manager.query(
      `UPDATE ${s}.endpoints SET enabled = false, disabled_reason = $2, updated_at = now() WHERE id = $1
     RETURNING partner_id, url, failing_since`,
      [endpointId, reason],
    );
  if (!endpoint) return;
  // An operational event, for the partner's own monitoring: not a domain event, not on Kafka.
  const eventId = newEventId();
  const payload = JSON.stringify({
    id: eventId,
    type: 'endpoint.disabled',
    version: 1,
    source: 'notifications',
    subject: endpointId,
    occurredAt: new Date().toISOString(),
    data: {
      endpointId,
      url: endpoint.url,
      reason,
      failingSince: endpoint.failing_since?.toISOString() ?? null,
    },
  });
  const messageId = `msg_${uuidv7()}`;
  await manager.query(
    `INSERT INTO ${s}.messages (id, partner_id, event_id, event_type, subject, payload) VALUES ($1, $2, $3, 'endpoint.disabled', $4, $5)`,
    [messageId, endpoint.partner_id, eventId, endpointId, payload],
  );
  await manager.query(
    `INSERT INTO ${s}.deliveries (id, message_id, event_id, endpoint_id)
     SELECT gen_random_uuid(), $1, $4, id FROM ${s}.endpoints
     WHERE partner_id = $2 AND id <> $3 AND enabled AND event_types && ARRAY['endpoint.disabled', 'endpoint.*', '*']`,
    [messageId, endpoint.partner_id, endpointId, eventId],
  );
}
