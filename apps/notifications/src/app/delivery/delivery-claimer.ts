import { type EntityManager } from 'typeorm';

export interface ClaimedDelivery {
  id: string;
  message_id: string;
  event_id: string;
  attempts: number;
  url: string;
  secrets: string[];
  headers: Record<string, string>;
  endpoint_id: string;
  retry_schedule: string | null;
  payload_mode: 'full' | 'thin';
  payload: string;
  created_at: Date;
}

interface Candidate {
  id: string;
  endpoint_id: string;
  rate_limit_per_second: number | null;
  fifo: boolean;
  probing: boolean;
}

export interface ClaimSettings {
  readonly schema: string;
  /** This instance: the lease's owner, the only one that may renew it or record the attempt. */
  readonly instanceId: string;
  readonly leaseSeconds: number;
  readonly breakerThreshold: number;
  readonly breakerCooldownMs: number;
}

/**
 * Claims due deliveries for this instance, in one transaction. Rows are taken with SKIP LOCKED,
 * so instances never take the same one. Endpoints with a rate limit, FIFO order or a circuit
 * about to probe get at most one delivery per claim, and only after winning a slot on the
 * endpoint's row, which every instance contends for: the limits hold across instances.
 */
export async function claimDeliveries(
  manager: EntityManager,
  limit: number,
  settings: ClaimSettings,
): Promise<ClaimedDelivery[]> {
  const s = `"${settings.schema}"`;
  const candidates: Candidate[] = await manager.query(
    `SELECT d.id, d.endpoint_id, e.rate_limit_per_second, e.fifo, e.consecutive_failures >= $2 AS probing
     FROM ${s}.deliveries d JOIN ${s}.endpoints e ON e.id = d.endpoint_id
     WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.locked_until IS NULL OR d.locked_until < now())
       AND e.enabled
       AND (e.circuit_open_until IS NULL OR e.circuit_open_until <= now())
       AND (e.rate_limit_per_second IS NULL OR e.rate_next_at <= now())
       AND (NOT e.fifo OR NOT EXISTS (
         SELECT 1 FROM ${s}.deliveries x
         WHERE x.endpoint_id = d.endpoint_id AND x.status = 'pending' AND x.id <> d.id
           AND ((x.created_at, x.id) < (d.created_at, d.id) OR x.locked_until > now())))
     ORDER BY d.next_attempt_at, d.created_at LIMIT $1
     FOR UPDATE OF d SKIP LOCKED`,
    [limit, settings.breakerThreshold],
  );
  const chosen: string[] = [];
  const gatedSeen = new Set<string>();
  for (const candidate of candidates) {
    const gated = candidate.rate_limit_per_second !== null || candidate.fifo || candidate.probing;
    if (!gated) {
      chosen.push(candidate.id);
      continue;
    }
    if (gatedSeen.has(candidate.endpoint_id)) continue;
    gatedSeen.add(candidate.endpoint_id);
    if (await winSlot(manager, s, candidate, settings)) chosen.push(candidate.id);
  }
  if (chosen.length === 0) return [];
  const [rows]: [ClaimedDelivery[], number] = await manager.query(
    `UPDATE ${s}.deliveries d SET locked_until = now() + make_interval(secs => $2), locked_by = $3
     FROM ${s}.endpoints e, ${s}.messages m
     WHERE d.id = ANY($1::uuid[]) AND e.id = d.endpoint_id AND m.id = d.message_id AND m.event_id = d.event_id
     RETURNING d.id, d.message_id, d.event_id, d.attempts, d.endpoint_id, d.created_at, e.url, e.headers, e.retry_schedule, e.payload_mode,
       CASE WHEN e.previous_secret IS NOT NULL AND e.previous_secret_expires_at > now()
            THEN ARRAY[e.secret, e.previous_secret] ELSE ARRAY[e.secret] END AS secrets, m.payload`,
    [chosen, settings.leaseSeconds, settings.instanceId],
  );
  return rows;
}

/**
 * Extends this instance's leases on the deliveries it is still sending, so a slow endpoint keeps
 * its delivery while a crashed instance's leases run out quickly.
 */
export async function renewLeases(
  manager: EntityManager,
  deliveryIds: readonly string[],
  settings: Pick<ClaimSettings, 'schema' | 'instanceId' | 'leaseSeconds'>,
): Promise<void> {
  if (deliveryIds.length === 0) return;
  await manager.query(
    `UPDATE "${settings.schema}".deliveries SET locked_until = now() + make_interval(secs => $3)
     WHERE id = ANY($1::uuid[]) AND locked_by = $2 AND status = 'pending'`,
    [deliveryIds, settings.instanceId, settings.leaseSeconds],
  );
}

/** Takes the endpoint's next rate slot and, for an open circuit, its single probe; both or neither. */
async function winSlot(
  manager: EntityManager,
  s: string,
  candidate: Candidate,
  settings: ClaimSettings,
): Promise<boolean> {
  if (candidate.rate_limit_per_second !== null) {
    const won: unknown[] = await manager.query(
      `UPDATE ${s}.endpoints SET rate_next_at = GREATEST(rate_next_at, now()) + make_interval(secs => 1.0 / rate_limit_per_second)
       WHERE id = $1 AND rate_next_at <= now() RETURNING id`,
      [candidate.endpoint_id],
    );
    if ((won as [unknown[], number])[0]?.length === 0) return false;
  }
  if (candidate.probing) {
    // Half-open: one probe; the circuit stays shut to everything else until its answer.
    const won: unknown[] = await manager.query(
      `UPDATE ${s}.endpoints SET circuit_open_until = now() + make_interval(secs => $2 / 1000.0)
       WHERE id = $1 AND (circuit_open_until IS NULL OR circuit_open_until <= now()) RETURNING id`,
      [candidate.endpoint_id, settings.breakerCooldownMs],
    );
    if ((won as [unknown[], number])[0]?.length === 0) return false;
  }
  return true;
}
