import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';

export interface Operator {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
}

/** The console's operators; an email is unique whatever its case. */
@Injectable()
export class OperatorRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  /** False when an operator with this email (in any case) exists already. */
  async add(operator: Operator, db: EntityManager = this.dataSource.manager): Promise<boolean> {
    const added = await this.sql.affected(
      db,
      `INSERT INTO ${this.sql.schema}.operators (id, email, password_hash) VALUES ($1, $2, $3)
       ON CONFLICT (lower(email)) DO NOTHING`,
      [operator.id, operator.email, operator.passwordHash],
    );
    return added === 1;
  }

  async byEmail(email: string, db: EntityManager = this.dataSource.manager) {
    const row = await this.sql.first<{ id: string; email: string; password_hash: string }>(
      db,
      `SELECT id, email, password_hash FROM ${this.sql.schema}.operators WHERE lower(email) = lower($1)`,
      [email],
    );
    return row && { id: row.id, email: row.email, passwordHash: row.password_hash };
  }

  async count(db: EntityManager = this.dataSource.manager): Promise<number> {
    const row = await this.sql.first<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM ${this.sql.schema}.operators`,
    );
    return row?.n ?? 0;
  }
}
