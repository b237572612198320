import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  classifyOutcome,
  type DeliveryVerdict,
  nextAttemptDelay,
  parseRetryAfter,
  retryPolicy,
  type RetryPolicy,
  transportFailureOf,
} from '@switchyard/retry';
import { SERVICE_CONFIG } from '@switchyard/service';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { type NotificationsConfig } from '../notifications-env';
import { AllowedNetworks } from './url-safety/address-policy';
import { WebhookSender, type WebhookResponse } from './webhook-sender';

interface ClaimedDelivery {
  id: string;
  message_id: string;
  attempts: number;
  url: string;
  secrets: string[];
  headers: Record<string, string>;
  endpoint_id: string;
  payload: string;
  created_at: Date;
}

/**
 * Sends due deliveries. Rows are claimed with SKIP LOCKED and a lease (`locked_until`), so
 * several instances share the queue; each send runs on its own, so a hanging endpoint holds
 * one slot for at most the timeout and never the deliveries of other endpoints.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly policy: RetryPolicy;
  private readonly sender: WebhookSender;
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(DeliveryWorker.name);
    this.policy = retryPolicy({ scheduleMs: config.DELIVERY_RETRY_SCHEDULE });
    this.sender = new WebhookSender({
      policy: {
        allowedNetworks: new AllowedNetworks(config.DELIVERY_ALLOWED_NETWORKS),
        requireHttps: config.DELIVERY_REQUIRE_HTTPS,
      },
      timeoutMs: config.DELIVERY_TIMEOUT_MS,
      connectTimeoutMs: config.DELIVERY_CONNECT_TIMEOUT_MS,
    });
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    await Promise.all(this.inFlight);
    await this.sender.close();
  }

  wake(): void {
    this.wakeUp?.();
  }

  private get schema(): string {
    return `"${this.config.DB_SCHEMA}"`;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const free = this.config.DELIVERY_CONCURRENCY - this.inFlight.size;
        const claimed = free > 0 ? await this.claim(free) : [];
        for (const delivery of claimed) this.track(this.attempt(delivery));
        if (claimed.length > 0 && claimed.length === free) continue;
      } catch (err) {
        this.logger.error({ err }, 'claiming deliveries failed; retrying');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.DELIVERY_POLL_MS);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch((err: unknown) => this.logger.error({ err }, 'recording a delivery attempt failed'))
      .finally(() => {
        this.inFlight.delete(tracked);
        this.wake();
      });
    this.inFlight.add(tracked);
  }

  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    const leaseSeconds = Math.ceil(this.config.DELIVERY_TIMEOUT_MS / 1000) + 30;
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [rows]: [ClaimedDelivery[], number] = await this.dataSource.query(
      `WITH due AS (
         SELECT d.id FROM ${this.schema}.deliveries d
         WHERE d.status = 'pending' AND d.next_attempt_at <= now()
           AND (d.locked_until IS NULL OR d.locked_until < now())
         ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE ${this.schema}.deliveries d SET locked_until = now() + make_interval(secs => $2)
       FROM due, ${this.schema}.endpoints e, ${this.schema}.messages m
       WHERE d.id = due.id AND e.id = d.endpoint_id AND m.id = d.message_id
       RETURNING d.id, d.message_id, d.attempts, d.endpoint_id, d.created_at, e.url, e.headers,
         CASE WHEN e.previous_secret IS NOT NULL AND e.previous_secret_expires_at > now()
              THEN ARRAY[e.secret, e.previous_secret] ELSE ARRAY[e.secret] END AS secrets, m.payload`,
      [limit, leaseSeconds],
    );
    return rows;
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const response = await this.sender.send({
      url: delivery.url,
      messageId: delivery.message_id,
      secrets: delivery.secrets,
      body: delivery.payload,
      headers: delivery.headers,
    });
    await this.record(delivery, response);
  }

  private async record(delivery: ClaimedDelivery, response: WebhookResponse): Promise<void> {
    const attempts = delivery.attempts + 1;
    const verdict: DeliveryVerdict =
      response.errorCode === 'ERR_UNSAFE_DESTINATION'
        ? 'give_up'
        : classifyOutcome(
            response.statusCode === undefined
              ? { transportFailure: transportFailureOf(response.errorCode) }
              : { status: response.statusCode },
          );
    const delay =
      verdict === 'retry'
        ? nextAttemptDelay(this.policy, {
            attemptsMade: attempts,
            retryAfterMs: parseRetryAfter(response.retryAfter),
          })
        : null;
    const status = verdict === 'success' ? 'succeeded' : delay === null ? 'failed' : 'pending';
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO ${this.schema}.attempts (delivery_id, status_code, latency_ms, error, response_body)
         VALUES ($1, $2, $3, $4, $5)`,
        [
          delivery.id,
          response.statusCode ?? null,
          response.latencyMs,
          response.error ?? null,
          response.body ?? null,
        ],
      );
      await manager.query(
        `UPDATE ${this.schema}.deliveries SET status = $2, attempts = $3, locked_until = NULL,
           next_attempt_at = now() + make_interval(secs => $4::double precision / 1000),
           last_status_code = $5, last_error = $6, updated_at = now()
         WHERE id = $1`,
        [
          delivery.id,
          status,
          attempts,
          delay ?? 0,
          response.statusCode ?? null,
          response.error ?? null,
        ],
      );
      if (verdict === 'disable_endpoint') {
        await manager.query(`UPDATE ${this.schema}.endpoints SET enabled = false WHERE id = $1`, [
          delivery.endpoint_id,
        ]);
      }
    });
    this.logger.info(
      {
        deliveryId: delivery.id,
        messageId: delivery.message_id,
        statusCode: response.statusCode,
        attempts,
        status,
      },
      'webhook attempt',
    );
  }
}
