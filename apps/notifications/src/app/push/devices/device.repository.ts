import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { type Device } from './device';
import { type RegisterDeviceCommand } from './device-fields';

interface DeviceRow {
  id: string;
  customer_id: string;
  platform: 'apns' | 'fcm';
  token: string;
  app: string;
  environment: 'production' | 'sandbox' | null;
  locale: string;
  registered_at: Date;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, customer_id, platform, token, app, environment, locale, registered_at, created_at, updated_at`;

/** The most devices one customer's list shows; a customer has a phone or two, not hundreds. */
const DEVICES_PER_CUSTOMER_SHOWN = 100;

function toDevice(row: DeviceRow): Device {
  return {
    id: row.id,
    customerId: row.customer_id,
    platform: row.platform,
    token: row.token,
    app: row.app,
    environment: row.environment,
    locale: row.locale,
    registeredAt: row.registered_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** devices: customers' push targets, one row per platform, app and token. */
@Injectable()
export class DeviceRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Stores a registration: a new token makes a device; a known one (same platform, app and
   * token) is updated in place, customer included, and counts as registered now.
   */
  async register(
    command: RegisterDeviceCommand,
    db: EntityManager = this.dataSource.manager,
  ): Promise<{ device: Device; created: boolean }> {
    const s = this.sql.schema;
    // A device moving to another customer takes none of the previous one's waiting pushes along.
    const row = await this.sql.first<DeviceRow & { created: boolean }>(
      db,
      `WITH moved AS (
         SELECT id FROM ${s}.devices
         WHERE platform = $3 AND app = $5 AND token = $4 AND customer_id <> $2),
       dropped AS (
         UPDATE ${s}.deliveries SET status = 'failed',
           last_error = 'the device moved to another customer', updated_at = now()
         WHERE device_id IN (SELECT id FROM moved) AND status = 'pending')
       INSERT INTO ${s}.devices (id, customer_id, platform, token, app, environment, locale)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (platform, app, token) DO UPDATE
       SET customer_id = EXCLUDED.customer_id, environment = EXCLUDED.environment,
           locale = EXCLUDED.locale, registered_at = now(), updated_at = now()
       RETURNING ${COLUMNS}, xmax = 0 AS created`,
      [
        randomUUID(),
        command.customerId,
        command.platform,
        command.token,
        command.app,
        command.platform === 'apns' ? command.environment : null,
        command.locale,
      ],
    );
    if (!row) throw new Error('INSERT … RETURNING answered no row');
    return { device: toDevice(row), created: row.created };
  }

  async find(id: string, db: EntityManager = this.dataSource.manager): Promise<Device | undefined> {
    const row = await this.sql.first<DeviceRow>(
      db,
      `SELECT ${COLUMNS} FROM ${this.sql.schema}.devices WHERE id = $1`,
      [id],
    );
    return row && toDevice(row);
  }

  /** A customer's devices, oldest first. */
  async ofCustomer(
    customerId: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<Device[]> {
    const rows = await this.sql.rows<DeviceRow>(
      db,
      `SELECT ${COLUMNS} FROM ${this.sql.schema}.devices WHERE customer_id = $1
       ORDER BY created_at, id LIMIT ${DEVICES_PER_CUSTOMER_SHOWN}`,
      [customerId],
    );
    return rows.map(toDevice);
  }

  /** Removes a device, and settles its pushes still waiting as failed; false when there was none. */
  async remove(id: string, db: EntityManager = this.dataSource.manager): Promise<boolean> {
    return this.removeWhere('id = $1', [id], 'the device was removed', db);
  }

  /**
   * Removes a device whose token the provider called dead, unless it registered again after
   * `unregisteredAt` (APNs' timestamp; null: remove it whatever its registration). True when
   * removed.
   */
  async removeDead(
    id: string,
    unregisteredAt: Date | null,
    db: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    return this.removeWhere(
      'id = $1 AND ($3::timestamptz IS NULL OR registered_at < $3)',
      [id, unregisteredAt],
      'the provider said the device token is no longer valid; the device was removed',
      db,
    );
  }

  /**
   * Deletes the devices `condition` selects (parameters from $1, $2 being the reason) and fails
   * their waiting pushes with that reason, in one statement: a push left pending for a device
   * that is gone would never be claimed again.
   */
  private async removeWhere(
    condition: string,
    params: readonly unknown[],
    reason: string,
    db: EntityManager,
  ): Promise<boolean> {
    const s = this.sql.schema;
    const [first, ...rest] = params;
    const row = await this.sql.first<{ removed: number }>(
      db,
      `WITH gone AS (DELETE FROM ${s}.devices WHERE ${condition} RETURNING id),
       dropped AS (
         UPDATE ${s}.deliveries SET status = 'failed', last_error = $2, locked_until = NULL,
           locked_by = NULL, updated_at = now()
         WHERE device_id IN (SELECT id FROM gone) AND status = 'pending')
       SELECT count(*)::int AS removed FROM gone`,
      [first, reason, ...rest],
    );
    return (row?.removed ?? 0) > 0;
  }
}
