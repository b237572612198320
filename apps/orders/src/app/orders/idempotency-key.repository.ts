import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { type EntityManager } from 'typeorm';

export interface IdempotencyKeyUse {
  readonly requestHash: string;
  readonly orderId: string;
}

/** Owns `idempotency_keys`: which request first used a key, and the order it made. */
@Injectable()
export class IdempotencyKeyRepository {
  constructor(private readonly sql: RepositorySql) {}

  /**
   * True when this transaction now holds the key. A concurrent first use blocks the insert until
   * it commits, so after a false its row is visible to `find`. The key's foreign key to the order
   * is checked at commit, after the order row exists.
   */
  async claim(
    manager: EntityManager,
    key: string,
    requestHash: string,
    orderId: string,
  ): Promise<boolean> {
    const claimed = await this.sql.rows(
      manager,
      `INSERT INTO ${this.sql.schema}.idempotency_keys (key, request_hash, order_id) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [key, requestHash, orderId],
    );
    return claimed.length > 0;
  }

  async find(manager: EntityManager, key: string): Promise<IdempotencyKeyUse | undefined> {
    return this.sql.first<IdempotencyKeyUse>(
      manager,
      `SELECT request_hash AS "requestHash", order_id AS "orderId"
         FROM ${this.sql.schema}.idempotency_keys WHERE key = $1`,
      [key],
    );
  }
}
