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
  parseSchedule,
  retryPolicy,
  type RetryPolicy,
  transportFailureOf,
} from '@switchyard/retry';
import { WakeableSleep } from '@switchyard/messaging';
import { SERVICE_CONFIG } from '@switchyard/service';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { type NotificationsConfig } from '../notifications-env';
import { type ClaimedDelivery, claimDeliveries } from './delivery-claimer';
import { recordAttempt } from './delivery-recorder';
import { AllowedNetworks } from './url-safety/address-policy';
import { WebhookSender, type WebhookResponse } from './webhook-sender';

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
  private readonly policies = new Map<string, RetryPolicy>();
  /** Attempts this instance has made (tests check that two instances share the work). */
  attemptsMade = 0;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly pause = new WakeableSleep();

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
    this.pause.wake();
    await this.loop;
    await Promise.all(this.inFlight);
    await this.sender.close();
  }

  wake(): void {
    this.pause.wake();
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
      await this.pause.sleep(this.config.DELIVERY_POLL_MS);
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

  private claim(limit: number): Promise<ClaimedDelivery[]> {
    return this.dataSource.transaction((manager) =>
      claimDeliveries(manager, limit, {
        schema: this.config.DB_SCHEMA,
        leaseSeconds: Math.ceil(this.config.DELIVERY_TIMEOUT_MS / 1000) + 30,
        breakerThreshold: this.config.DELIVERY_BREAKER_THRESHOLD,
        breakerCooldownMs: this.config.DELIVERY_BREAKER_COOLDOWN_MS,
      }),
    );
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const response = await this.sender.send({
      url: delivery.url,
      messageId: delivery.message_id,
      secrets: delivery.secrets,
      body: delivery.payload_mode === 'thin' ? this.thinBody(delivery.payload) : delivery.payload,
      headers: delivery.headers,
    });
    await this.record(delivery, response);
  }

  private async record(delivery: ClaimedDelivery, response: WebhookResponse): Promise<void> {
    this.attemptsMade++;
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
        ? nextAttemptDelay(this.policyFor(delivery.retry_schedule), {
            attemptsMade: attempts,
            retryAfterMs: parseRetryAfter(response.retryAfter),
            elapsedMs: Date.now() - delivery.created_at.getTime(),
          })
        : null;
    const outcome = await this.dataSource.transaction((manager) =>
      recordAttempt(
        manager,
        {
          deliveryId: delivery.id,
          eventId: delivery.event_id,
          endpointId: delivery.endpoint_id,
          attempts,
          verdict,
          delay,
          response,
        },
        {
          schema: this.config.DB_SCHEMA,
          breakerThreshold: this.config.DELIVERY_BREAKER_THRESHOLD,
          breakerCooldownMs: this.config.DELIVERY_BREAKER_COOLDOWN_MS,
          autoDisableAfterMs: this.config.DELIVERY_AUTO_DISABLE_AFTER_MS,
        },
      ),
    );
    if (outcome.disabled) {
      this.logger.warn(
        { endpointId: delivery.endpoint_id, reason: outcome.reason },
        'endpoint disabled',
      );
      this.wake();
    }
    this.logger.info(
      {
        deliveryId: delivery.id,
        messageId: delivery.message_id,
        statusCode: response.statusCode,
        attempts,
        verdict,
      },
      'webhook attempt',
    );
  }

  /** What a `thin` endpoint receives: enough to decide, and where to fetch the rest with its API key. */
  private thinBody(payload: string): string {
    const event = JSON.parse(payload) as {
      id: string;
      type: string;
      subject: string;
      occurredAt: string;
    };
    const base = this.config.NOTIFICATIONS_PUBLIC_URL ?? `http://127.0.0.1:${this.config.PORT}`;
    return JSON.stringify({
      id: event.id,
      type: event.type,
      subject: event.subject,
      occurredAt: event.occurredAt,
      url: `${base.replace(/\/$/, '')}/v1/events/${event.id}`,
    });
  }

  /** The endpoint's own schedule when it has one (validated when it was set), else the default. */
  private policyFor(schedule: string | null): RetryPolicy {
    if (!schedule) return this.policy;
    let policy = this.policies.get(schedule);
    if (!policy) {
      policy = retryPolicy({ scheduleMs: parseSchedule(schedule) });
      this.policies.set(schedule, policy);
    }
    return policy;
  }
}
