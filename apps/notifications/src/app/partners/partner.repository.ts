import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';

/** The partners table: who may call the partner API, known by the hash of their API key. */
@Injectable()
export class PartnerRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  async add(
    partner: { readonly id: string; readonly name: string; readonly apiKeyHash: string },
    db: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await this.sql.affected(
      db,
      `INSERT INTO ${this.sql.schema}.partners (id, name, api_key_hash) VALUES ($1, $2, $3)`,
      [partner.id, partner.name, partner.apiKeyHash],
    );
  }

  /** The id of the partner whose API key has this hash. */
  async idByApiKeyHash(
    apiKeyHash: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<string | undefined> {
    const row = await this.sql.first<{ id: string }>(
      db,
      `SELECT id FROM ${this.sql.schema}.partners WHERE api_key_hash = $1`,
      [apiKeyHash],
    );
    return row?.id;
  }

  /** Replaces the partner's API key hash: the previous key stops working at once. */
  async replaceApiKey(
    id: string,
    apiKeyHash: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<string | undefined> {
    const row = await this.sql.first<{ name: string }>(
      db,
      `UPDATE ${this.sql.schema}.partners SET api_key_hash = $2 WHERE id = $1 RETURNING name`,
      [id, apiKeyHash],
    );
    return row?.name;
  }

  async nameOf(
    id: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<string | undefined> {
    const row = await this.sql.first<{ name: string }>(
      db,
      `SELECT name FROM ${this.sql.schema}.partners WHERE id = $1`,
      [id],
    );
    return row?.name;
  }

  /** Every partner's id and name, by name: the console's partner filters. */
  async names(
    db: EntityManager = this.dataSource.manager,
  ): Promise<{ id: string; name: string }[]> {
    return this.sql.rows<{ id: string; name: string }>(
      db,
      `SELECT id, name FROM ${this.sql.schema}.partners ORDER BY name, id`,
    );
  }
}
