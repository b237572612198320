import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';
import { type PortalCapability } from './console-session';

/** Single-use links into the partner portal, known by the SHA-256 of their token. */
@Injectable()
export class PortalLinkRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  /** The link's expiry and its partner's name, or nothing when the partner does not exist. */
  async add(
    link: {
      readonly tokenHash: string;
      readonly partnerId: string;
      readonly capability: PortalCapability;
      readonly issuedBy: string;
      readonly ttlSeconds: number;
    },
    db: EntityManager = this.dataSource.manager,
  ): Promise<{ expiresAt: Date; partnerName: string } | undefined> {
    const row = await this.sql.first<{ expires_at: Date; name: string }>(
      db,
      `WITH partner AS (SELECT id, name FROM ${this.sql.schema}.partners WHERE id = $2),
       added AS (
         INSERT INTO ${this.sql.schema}.portal_links
           (token_hash, partner_id, capability, issued_by, expires_at)
         SELECT $1, id, $3, $4, now() + $5::int * interval '1 second' FROM partner
         RETURNING expires_at)
       SELECT added.expires_at, partner.name FROM added, partner`,
      [link.tokenHash, link.partnerId, link.capability, link.issuedBy, link.ttlSeconds],
    );
    return row && { expiresAt: row.expires_at, partnerName: row.name };
  }

  /** Whose portal a link opens, without spending it; nothing when it is used or expired. */
  async peek(
    tokenHash: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<{ partnerName: string; capability: PortalCapability } | undefined> {
    const row = await this.sql.first<{ name: string; capability: PortalCapability }>(
      db,
      `SELECT p.name, l.capability FROM ${this.sql.schema}.portal_links l
       JOIN ${this.sql.schema}.partners p ON p.id = l.partner_id
       WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now()`,
      [tokenHash],
    );
    return row && { partnerName: row.name, capability: row.capability };
  }

  /**
   * Marks the link used and says whose it is, only if it was neither used nor expired: one
   * statement, so two requests racing with one link cannot both get in.
   */
  async use(
    tokenHash: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<{ partnerId: string; capability: PortalCapability } | undefined> {
    const row = await this.sql.first<{ partner_id: string; capability: PortalCapability }>(
      db,
      `UPDATE ${this.sql.schema}.portal_links SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
       RETURNING partner_id, capability`,
      [tokenHash],
    );
    return row && { partnerId: row.partner_id, capability: row.capability };
  }

  /** Expires the partner's links not used yet; answers how many. */
  async expireUnused(partnerId: string, db: EntityManager = this.dataSource.manager) {
    return this.sql.affected(
      db,
      `UPDATE ${this.sql.schema}.portal_links SET expires_at = now()
       WHERE partner_id = $1 AND used_at IS NULL AND expires_at > now()`,
      [partnerId],
    );
  }
}
