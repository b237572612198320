import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';
import { ownedByPartner } from '../partners/owned-by-partner';

/** A message to store: one event for one partner, as it will be sent. */
export interface NewMessage {
  readonly id: string;
  readonly partnerId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly subject: string;
  readonly payload: string;
}

/** A message in the partner's log, with where each of its deliveries stands. */
export interface MessageSummary {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly subject: string;
  readonly createdAt: Date;
  readonly deliveries: {
    readonly endpointId: string;
    readonly status: string;
    readonly attempts: number;
    readonly reason: string | null;
  }[];
}

/** Where a delivery stands: due (again), delivered, or given up on. */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface MessageFilter {
  /** Only this message. */
  readonly id?: string;
  readonly eventType?: string;
  readonly subject?: string;
  readonly eventId?: string;
  /** Only messages with at least one delivery in this state. */
  readonly status?: DeliveryStatus;
  /** Only messages made at or after `since` and before `until`. */
  readonly since?: Date;
  readonly until?: Date;
  readonly limit: number;
  /** Only messages older than this one (message ids begin with a UUID v7: they sort by time). */
  readonly beforeId: string | null;
}

/** A message of any partner, as the operator's screens show it: whose it is. */
export interface PartnerMessageSummary extends MessageSummary {
  readonly partnerId: string;
  readonly partnerName: string;
}

interface MessageRow {
  id: string;
  event_id: string;
  event_type: string;
  subject: string;
  created_at: Date;
  deliveries: MessageSummary['deliveries'];
}

function toSummary(r: MessageRow): MessageSummary {
  return {
    id: r.id,
    eventId: r.event_id,
    eventType: r.event_type,
    subject: r.subject,
    createdAt: r.created_at,
    deliveries: r.deliveries,
  };
}

/** The messages table: each event as sent to each partner. Partner-facing reads are scoped to the partner. */
@Injectable()
export class MessageRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Stores the message and answers its id: the id of the message already stored when the partner
   * has one for this event (a redelivered event makes nothing new).
   */
  async add(message: NewMessage, db: EntityManager = this.dataSource.manager): Promise<string> {
    const row = await this.sql.first<{ id: string }>(
      db,
      `INSERT INTO ${this.sql.schema}.messages (id, partner_id, event_id, event_type, subject, payload)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (partner_id, event_id) DO UPDATE SET event_type = EXCLUDED.event_type
       RETURNING id`,
      [
        message.id,
        message.partnerId,
        message.eventId,
        message.eventType,
        message.subject,
        message.payload,
      ],
    );
    if (!row) throw new Error(`storing message ${message.id} returned no row`);
    return row.id;
  }

  exists(
    partnerId: string,
    id: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    return ownedByPartner(this.sql, db, 'messages', { partnerId, id });
  }

  /** The event a message of the partner carries, as sent (JSON text), by message or event id. */
  async payload(
    partnerId: string,
    message: { readonly id: string } | { readonly eventId: string },
    db: EntityManager = this.dataSource.manager,
  ): Promise<string | undefined> {
    const [column, value] = 'id' in message ? ['id', message.id] : ['event_id', message.eventId];
    const row = await this.sql.first<{ payload: string }>(
      db,
      `SELECT payload FROM ${this.sql.schema}.messages WHERE ${column} = $1 AND partner_id = $2`,
      [value, partnerId],
    );
    return row?.payload;
  }

  /** One of the partner's messages with its deliveries; undefined when it is not the partner's. */
  async find(
    partnerId: string,
    id: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<MessageSummary | undefined> {
    const [message] = await this.list(partnerId, { id, limit: 1, beforeId: null }, db);
    return message;
  }

  /** The partner's messages, newest first, each with its deliveries. */
  async list(
    partnerId: string,
    filter: MessageFilter,
    db: EntityManager = this.dataSource.manager,
  ): Promise<MessageSummary[]> {
    const s = this.sql.schema;
    const rows = await this.sql.rows<MessageRow>(
      db,
      `SELECT m.id, m.event_id, m.event_type, m.subject, m.created_at,
              COALESCE(json_agg(json_build_object('endpointId', d.endpoint_id, 'status', d.status, 'attempts', d.attempts, 'reason', d.last_error))
                       FILTER (WHERE d.id IS NOT NULL), '[]') AS deliveries
       FROM ${s}.messages m LEFT JOIN ${s}.deliveries d ON d.message_id = m.id AND d.event_id = m.event_id
       WHERE m.partner_id = $1 AND ($2::text IS NULL OR m.event_type = $2) AND ($3::text IS NULL OR m.subject = $3)
         AND ($4::text IS NULL OR m.id < $4) AND ($6::uuid IS NULL OR m.event_id = $6)
         AND ($7::timestamptz IS NULL OR m.created_at >= $7) AND ($8::timestamptz IS NULL OR m.created_at < $8)
         AND ($10::text IS NULL OR m.id = $10)
       GROUP BY m.id, m.event_id
       HAVING $9::text IS NULL OR bool_or(d.status = $9)
       ORDER BY m.id DESC LIMIT $5`,
      [
        partnerId,
        filter.eventType ?? null,
        filter.subject ?? null,
        filter.beforeId,
        filter.limit,
        filter.eventId ?? null,
        filter.since ?? null,
        filter.until ?? null,
        filter.status ?? null,
        filter.id ?? null,
      ],
    );
    return rows.map(toSummary);
  }

  /**
   * Every partner's messages (or one partner's), newest first, each with its partner's name and
   * its deliveries: for the operator's screens only, never a partner's.
   */
  async listAcrossPartners(
    filter: MessageFilter & { readonly partnerId?: string },
    db: EntityManager = this.dataSource.manager,
  ): Promise<PartnerMessageSummary[]> {
    const s = this.sql.schema;
    const rows = await this.sql.rows<MessageRow & { partner_id: string; partner_name: string }>(
      db,
      `SELECT m.id, m.partner_id, p.name AS partner_name, m.event_id, m.event_type, m.subject, m.created_at,
              COALESCE(json_agg(json_build_object('endpointId', d.endpoint_id, 'status', d.status, 'attempts', d.attempts, 'reason', d.last_error)
                                ORDER BY d.created_at) FILTER (WHERE d.id IS NOT NULL), '[]') AS deliveries
       FROM ${s}.messages m JOIN ${s}.partners p ON p.id = m.partner_id
         LEFT JOIN ${s}.deliveries d ON d.message_id = m.id AND d.event_id = m.event_id AND d.endpoint_id IS NOT NULL
       WHERE ($1::uuid IS NULL OR m.partner_id = $1) AND ($2::text IS NULL OR m.id = $2)
         AND ($3::uuid IS NULL OR m.event_id = $3) AND ($4::text IS NULL OR m.event_type = $4)
         AND ($5::timestamptz IS NULL OR m.created_at >= $5) AND ($6::timestamptz IS NULL OR m.created_at < $6)
         AND ($7::text IS NULL OR m.id < $7)
       GROUP BY m.id, m.event_id, p.name
       HAVING $8::text IS NULL OR bool_or(d.status = $8)
       ORDER BY m.id DESC LIMIT $9`,
      [
        filter.partnerId ?? null,
        filter.id ?? null,
        filter.eventId ?? null,
        filter.eventType ?? null,
        filter.since ?? null,
        filter.until ?? null,
        filter.beforeId,
        filter.status ?? null,
        filter.limit,
      ],
    );
    return rows.map((r) => ({
      ...toSummary(r),
      partnerId: r.partner_id,
      partnerName: r.partner_name,
    }));
  }
}
