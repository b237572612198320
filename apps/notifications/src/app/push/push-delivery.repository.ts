import { Injectable } from '@nestjs/common';
import { integerLiteral, RepositorySql } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { type DeliveryKey, eventIdsOf } from '../delivery/delivery.repository';
import { type PushDevice } from './push-message';

/** A push this instance holds the lease of, with its device and the event to render. */
export interface ClaimedPush extends DeliveryKey {
  readonly kind: 'push';
  readonly messageId: string;
  readonly attempts: number;
  readonly createdAt: Date;
  readonly deviceId: string;
  readonly device: PushDevice;
  readonly locale: string;
  /** The event, as consumed. */
  readonly payload: string;
}

interface LeasedRow {
  id: string;
  message_id: string;
  event_id: string;
  attempts: number;
  created_at: Date;
  device_id: string;
  platform: 'apns' | 'fcm';
  token: string;
  app: string;
  environment: 'production' | 'sandbox' | null;
  locale: string;
  payload: string;
}

/**
 * The deliveries table's push rows: claimed beside webhook deliveries, in the same claim
 * transaction, with the same lease; settled by the same statement (DeliveryRepository.settle).
 * Pushes have no endpoint, hence no rate limit, FIFO order or circuit.
 */
@Injectable()
export class PushDeliveryRepository {
  constructor(private readonly sql: RepositorySql) {}

  /**
   * Due pushes nobody holds to devices of `platforms` (those this instance can reach), oldest due
   * first, locked for this transaction (SKIP LOCKED). `orphaned`: the device is gone, or now
   * belongs to another customer (a removal or a move that raced the push's fan-out).
   */
  async due(
    limit: number,
    platforms: readonly string[],
    db: EntityManager,
  ): Promise<{ due: DeliveryKey[]; orphaned: DeliveryKey[] }> {
    const s = this.sql.schema;
    const rows = await this.sql.rows<{ id: string; event_id: string; orphaned: boolean }>(
      db,
      `SELECT d.id, d.event_id, v.id IS NULL OR v.customer_id <> d.customer_id AS orphaned
       FROM ${s}.deliveries d LEFT JOIN ${s}.devices v ON v.id = d.device_id
       WHERE d.device_id IS NOT NULL AND d.status = 'pending' AND d.next_attempt_at <= now()
         AND (d.locked_until IS NULL OR d.locked_until < now())
         AND (v.id IS NULL OR v.customer_id <> d.customer_id OR v.platform = ANY($1::text[]))
       ORDER BY d.next_attempt_at LIMIT ${integerLiteral(limit)}
       FOR UPDATE OF d SKIP LOCKED`,
      [platforms],
    );
    const key = (r: { id: string; event_id: string }) => ({ id: r.id, eventId: r.event_id });
    return {
      due: rows.filter((r) => !r.orphaned).map(key),
      orphaned: rows.filter((r) => r.orphaned).map(key),
    };
  }

  /** Settles pushes whose device is gone or moved as failed: nobody will ever be sent them. */
  async failOrphaned(orphaned: readonly DeliveryKey[], db: EntityManager): Promise<void> {
    if (orphaned.length === 0) return;
    await this.sql.affected(
      db,
      `UPDATE ${this.sql.schema}.deliveries
       SET status = 'failed', last_error = 'the device was removed, or moved to another customer',
         updated_at = now()
       WHERE id = ANY($1::uuid[]) AND event_id = ANY($2::uuid[]) AND status = 'pending'`,
      [orphaned.map((d) => d.id), eventIdsOf(orphaned)],
      { planForValues: true },
    );
  }

  /**
   * Leases these pushes to this instance, with their devices and events (the due rows, locked by
   * this transaction: their devices are those `due` saw).
   */
  async lease(
    due: readonly DeliveryKey[],
    instanceId: string,
    leaseSeconds: number,
    db: EntityManager,
  ): Promise<ClaimedPush[]> {
    if (due.length === 0) return [];
    const s = this.sql.schema;
    const rows = await this.sql.rows<LeasedRow>(
      db,
      `UPDATE ${s}.deliveries d SET locked_until = now() + make_interval(secs => $2), locked_by = $3
       FROM ${s}.devices v, ${s}.messages m
       WHERE d.id = ANY($1::uuid[]) AND d.event_id = ANY($4::uuid[]) AND m.event_id = ANY($4::uuid[])
         AND v.id = d.device_id AND v.customer_id = d.customer_id
         AND m.id = d.message_id AND m.event_id = d.event_id
       RETURNING d.id, d.message_id, d.event_id, d.attempts, d.created_at, d.device_id,
         v.platform, v.token, v.app, v.environment, v.locale, m.payload`,
      [due.map((d) => d.id), leaseSeconds, instanceId, eventIdsOf(due)],
      { planForValues: true },
    );
    return rows.map((r) => ({
      kind: 'push',
      id: r.id,
      eventId: r.event_id,
      messageId: r.message_id,
      attempts: r.attempts,
      createdAt: r.created_at,
      deviceId: r.device_id,
      device: { platform: r.platform, token: r.token, app: r.app, environment: r.environment },
      locale: r.locale,
      payload: r.payload,
    }));
  }
}
