import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';
import { type ConsoleSession, type PortalCapability } from './console-session';

/** How long a session lives: `idleSeconds` after its last use, never past `maxSeconds` in all. */
export interface SessionLifetime {
  readonly idleSeconds: number;
  readonly maxSeconds: number;
}

type NewSession =
  | { readonly tokenHash: string; readonly csrfToken: string; readonly operatorId: string }
  | {
      readonly tokenHash: string;
      readonly csrfToken: string;
      readonly partnerId: string;
      readonly capability: PortalCapability;
    };

interface SessionRow {
  operator_id: string | null;
  email: string | null;
  partner_id: string | null;
  partner_name: string | null;
  capability: string;
  csrf_token: string;
}

/** Console sessions, known by the SHA-256 of their cookie. */
@Injectable()
export class ConsoleSessionRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  /** Stores a session, and drops the ones that ended (the table stays the size of its use). */
  async add(
    session: NewSession,
    lifetime: SessionLifetime,
    db: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const operator = 'operatorId' in session;
    await this.sql.affected(
      db,
      `INSERT INTO ${this.sql.schema}.console_sessions
         (token_hash, operator_id, partner_id, capability, csrf_token, expires_at, ends_at)
       VALUES ($1, $2, $3, $4, $5,
               now() + least($6::int, $7::int) * interval '1 second', now() + $7::int * interval '1 second')`,
      [
        session.tokenHash,
        operator ? session.operatorId : null,
        operator ? null : session.partnerId,
        operator ? 'operator' : session.capability,
        session.csrfToken,
        lifetime.idleSeconds,
        lifetime.maxSeconds,
      ],
    );
    await this.sql.affected(
      db,
      `DELETE FROM ${this.sql.schema}.console_sessions WHERE expires_at < now()`,
    );
  }

  /**
   * The live session with this hash, its idle expiry pushed back by this use; nothing for an
   * unknown or ended one. One statement: reading a session is also keeping it alive.
   */
  async use(
    tokenHash: string,
    idleSeconds: number,
    db: EntityManager = this.dataSource.manager,
  ): Promise<ConsoleSession | undefined> {
    const row = await this.sql.first<SessionRow>(
      db,
      `WITH used AS (
         UPDATE ${this.sql.schema}.console_sessions
         SET last_seen_at = now(), expires_at = least(ends_at, now() + $2::int * interval '1 second')
         WHERE token_hash = $1 AND expires_at > now()
         RETURNING operator_id, partner_id, capability, csrf_token)
       SELECT u.operator_id, o.email, u.partner_id, p.name AS partner_name, u.capability, u.csrf_token
       FROM used u
         LEFT JOIN ${this.sql.schema}.operators o ON o.id = u.operator_id
         LEFT JOIN ${this.sql.schema}.partners p ON p.id = u.partner_id`,
      [tokenHash, idleSeconds],
    );
    return row && toSession(row);
  }

  /** Ends every session of the partner's portal; answers how many there were. */
  async removeOfPartner(
    partnerId: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    return this.sql.affected(
      db,
      `DELETE FROM ${this.sql.schema}.console_sessions WHERE partner_id = $1 AND expires_at > now()`,
      [partnerId],
    );
  }

  async remove(tokenHash: string, db: EntityManager = this.dataSource.manager): Promise<void> {
    await this.sql.affected(
      db,
      `DELETE FROM ${this.sql.schema}.console_sessions WHERE token_hash = $1`,
      [tokenHash],
    );
  }
}

function toSession(row: SessionRow): ConsoleSession {
  if (row.capability === 'operator') {
    return {
      kind: 'operator',
      operatorId: row.operator_id as string,
      email: row.email as string,
      csrfToken: row.csrf_token,
    };
  }
  return {
    kind: 'partner',
    partnerId: row.partner_id as string,
    partnerName: row.partner_name as string,
    capability: row.capability as PortalCapability,
    csrfToken: row.csrf_token,
  };
}
