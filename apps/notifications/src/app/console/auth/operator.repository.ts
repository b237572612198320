import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';

export interface Operator {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
}

/** An operator as sign-in reads it: with its lock, if too many sign-ins failed in a row. */
export interface OperatorSignIn extends Operator {
  readonly lockedUntil: Date | null;
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

  async byEmail(
    email: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<OperatorSignIn | undefined> {
    const row = await this.sql.first<{
      id: string;
      email: string;
      password_hash: string;
      locked_until: Date | null;
    }>(
      db,
      `SELECT id, email, password_hash,
              CASE WHEN locked_until > now() THEN locked_until END AS locked_until
       FROM ${this.sql.schema}.operators WHERE lower(email) = lower($1)`,
      [email],
    );
    return (
      row && {
        id: row.id,
        email: row.email,
        passwordHash: row.password_hash,
        lockedUntil: row.locked_until,
      }
    );
  }

  /**
   * Counts a failed sign-in; from the `threshold`th in a row, every failure locks the account
   * for `lockSeconds` more. Answers the lock's end, if it is locked now.
   */
  async recordFailure(
    id: string,
    threshold: number,
    lockSeconds: number,
    db: EntityManager = this.dataSource.manager,
  ): Promise<Date | null> {
    const row = await this.sql.first<{ locked_until: Date | null }>(
      db,
      `UPDATE ${this.sql.schema}.operators
       SET failed_sign_ins = failed_sign_ins + 1,
           locked_until = CASE WHEN failed_sign_ins + 1 >= $2
                               THEN now() + $3::int * interval '1 second' ELSE locked_until END
       WHERE id = $1
       RETURNING CASE WHEN locked_until > now() THEN locked_until END AS locked_until`,
      [id, threshold, lockSeconds],
    );
    return row?.locked_until ?? null;
  }

  async recordSuccess(id: string, db: EntityManager = this.dataSource.manager): Promise<void> {
    await this.sql.affected(
      db,
      `UPDATE ${this.sql.schema}.operators SET failed_sign_ins = 0, locked_until = NULL
       WHERE id = $1 AND (failed_sign_ins > 0 OR locked_until IS NOT NULL)`,
      [id],
    );
  }

  async count(db: EntityManager = this.dataSource.manager): Promise<number> {
    const row = await this.sql.first<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM ${this.sql.schema}.operators`,
    );
    return row?.n ?? 0;
  }

  /**
   * A new password hash for the operator with this email, its failed sign-ins cleared and every
   * session of it ended (whoever knew the old password is signed out). False when there is none.
   */
  async replacePassword(
    email: string,
    passwordHash: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    const rows = await this.sql.rows<{ id: string }>(
      db,
      `WITH changed AS (
         UPDATE ${this.sql.schema}.operators
         SET password_hash = $2, failed_sign_ins = 0, locked_until = NULL
         WHERE lower(email) = lower($1) RETURNING id),
       ended AS (
         DELETE FROM ${this.sql.schema}.console_sessions
         WHERE operator_id IN (SELECT id FROM changed))
       SELECT id FROM changed`,
      [email, passwordHash],
    );
    return rows.length === 1;
  }

  /** Removes the operator with this email; its sessions go with it. False when there is none. */
  async remove(email: string, db: EntityManager = this.dataSource.manager): Promise<boolean> {
    const removed = await this.sql.affected(
      db,
      `DELETE FROM ${this.sql.schema}.operators WHERE lower(email) = lower($1)`,
      [email],
    );
    return removed === 1;
  }
}
