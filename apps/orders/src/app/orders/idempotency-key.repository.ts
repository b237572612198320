import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource } from 'typeorm';

export interface IdempotencyKeyUse {
  readonly requestHash: string;
  readonly orderId: string;
}

/**
 * Reads `idempotency_keys`: which request first used a key, and the order it made. A key is
 * claimed with its order, in `OrderRepository.insertManyWithEvents`.
 */
@Injectable()
export class IdempotencyKeyRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  /** The request that first used the key, and the order it made. */
  async find(key: string): Promise<IdempotencyKeyUse | undefined> {
    return this.sql.first<IdempotencyKeyUse>(
      this.dataSource.manager,
      `SELECT request_hash AS "requestHash", order_id AS "orderId"
         FROM ${this.sql.schema}.idempotency_keys WHERE key = $1`,
      [key],
    );
  }
}
