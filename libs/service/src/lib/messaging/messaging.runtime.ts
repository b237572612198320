import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { deadLetterTopicOf, Topics } from '@switchyard/contracts';
import {
  createKafka,
  ensureTopics,
  EventPublisher,
  type Kafka,
  type KafkaAdmin,
  OutboxRelay,
  physicalName,
  WakeUps,
} from '@switchyard/messaging';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { type CommonEnv } from '../config/common-env';
import { logPollingLoopErrors } from '../background/polling-loop-errors';
import { gauge, releaseGauges, sharedPerScrape } from '../health/metrics';
import { outboxPublishDuration, outboxPublishedTotal } from './messaging.metrics';
import { readOutboxBacklog } from './outbox-backlog';
import { SERVICE_CONFIG } from '../service-config.token';

/** What an admin connection is kept for: each use has its own. */
type AdminUse = 'health' | 'metrics';

/**
 * Owns one service's Kafka side: the client, the idempotent producer and the outbox relay; the
 * consumers (`KafkaEventsServer`) start once it is ready. Starts after the app is wired and
 * stops before the database closes: consumers first (finish in-flight work, commit), then the
 * relay (publish what is committed), then the producer.
 */
@Injectable()
export class MessagingRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly kafka: Kafka;
  readonly publisher: EventPublisher;
  private readonly relay: OutboxRelay;
  private readonly stopFirst: (() => Promise<void>)[] = [];
  private markReady: () => void = () => undefined;
  /** Settles once Kafka answered, the topics exist, the producer is connected and the relay runs. */
  readonly ready: Promise<void> = new Promise((resolve) => (this.markReady = resolve));
  private starting: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly admins = new Map<AdminUse, Promise<KafkaAdmin>>();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: CommonEnv,
    // Asked for so that Nest builds this after the data source, whose migrations make the
    // outbox the relay reads; the outbox gauges read it at scrape time.
    dataSource: DataSource,
    private readonly logger: PinoLogger,
    wakeUps: WakeUps,
  ) {
    logger.setContext('messaging');
    this.kafka = createKafka(
      {
        brokers: config.KAFKA_BROKERS,
        clientId: config.KAFKA_CLIENT_ID,
        namePrefix: config.KAFKA_NAME_PREFIX,
      },
      (level, message, extra) => this.logger[level](extra, message),
    );
    this.publisher = new EventPublisher(this.kafka);
    const relay = (): OutboxRelay => this.relay;
    gauge(
      'switchyard_outbox_relay_leader',
      "1 while this instance's outbox relay holds the leader lock and publishes, 0 on standby",
      [],
      (g) => g.set(relay().isLeader ? 1 : 0),
      this,
    );
    this.relay = new OutboxRelay(this.publisher, {
      schema: config.DB_SCHEMA,
      connectionString: config.DATABASE_URL,
      wakeUps,
      topicName: (topic) => this.topic(topic),
      onError: logPollingLoopErrors(
        this.logger,
        'outbox relay',
        'outbox relay: a dependency is unavailable; events wait in the outbox',
      ),
      onPublished: ({ rowsByTopic, seconds }) => {
        outboxPublishDuration.observe(seconds);
        for (const [topic, rows] of rowsByTopic) outboxPublishedTotal.inc({ topic }, rows);
      },
    });
    outboxGauges(dataSource, config.DB_SCHEMA, this);
  }

  /** The logical name of a physical topic (this deployment's prefix taken off). */
  logicalTopic(physical: string): string {
    const prefix = this.config.KAFKA_NAME_PREFIX;
    return prefix && physical.startsWith(prefix) ? physical.slice(prefix.length) : physical;
  }

  topic(logical: string): string {
    return physicalName({ namePrefix: this.config.KAFKA_NAME_PREFIX }, logical);
  }

  /** Consumers register how to stop them: they stop before the relay and the producer. */
  stopBeforeRelay(stop: () => Promise<void>): void {
    this.stopFirst.push(stop);
  }

  /**
   * Starts in the background: with Kafka down the service still boots, reports not ready on
   * /health/ready, and keeps trying; requests that only need Postgres keep working, and their
   * events wait in the outbox.
   */
  onApplicationBootstrap(): void {
    this.starting = this.startWhenKafkaAnswers();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // A start still waiting for Kafka is abandoned after a grace period rather than awaited.
    await Promise.race([
      this.starting,
      new Promise((resolve) => setTimeout(resolve, 5000).unref()),
    ]);
    await Promise.all(this.stopFirst.map((stop) => stop()));
    await this.relay.stop();
    await this.publisher.disconnect();
    await this.disconnectAdmins();
    releaseGauges(this);
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  private async startWhenKafkaAnswers(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.start();
        this.logger.info('messaging started');
        this.markReady();
        return;
      } catch (err) {
        this.logger.error({ err, attempt }, 'messaging could not start; retrying in 2 s');
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  }

  private async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const logical = [Topics.ordersEvents, Topics.paymentsEvents];
      await ensureTopics(
        admin,
        [...logical, ...logical.map(deadLetterTopicOf)].map((t) => this.topic(t)),
      );
    } finally {
      await admin.disconnect();
    }
    await this.publisher.connect();
    this.relay.start();
  }

  /** Readiness: the cluster answers a metadata request within the timeout. */
  async checkKafka(timeoutMs = 2000): Promise<void> {
    await this.withAdmin('health', (admin) => admin.describeCluster(), timeoutMs);
  }

  /**
   * Runs `ask` on an admin connection kept for one use (health probes, metrics), so a slow
   * scrape cannot drop the connection a readiness probe is using; one that fails or is slow is
   * dropped and made again next time. Callers at once share one connection attempt.
   */
  async withAdmin<T>(
    use: AdminUse,
    ask: (admin: KafkaAdmin) => Promise<T>,
    timeoutMs = 2000,
  ): Promise<T> {
    let connected = this.admins.get(use);
    if (!connected) {
      const admin = this.kafka.admin({ retry: { retries: 0 } });
      connected = admin.connect().then(() => admin);
      this.admins.set(use, connected);
    }
    const attempt = connected.then(ask);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Kafka did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([attempt, timeout]);
    } catch (err) {
      if (this.admins.get(use) === connected) this.admins.delete(use);
      attempt.catch(() => undefined);
      await connected.then((admin) => admin.disconnect()).catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async disconnectAdmins(): Promise<void> {
    const admins = [...this.admins.values()];
    this.admins.clear();
    await Promise.all(
      admins.map((connected) =>
        connected.then((admin) => admin.disconnect()).catch(() => undefined),
      ),
    );
  }
}

/**
 * The outbox's unpublished events and the age of the oldest, read at scrape time: the same for
 * every instance of a service (one schema), so dashboards take the max, not the sum.
 */
function outboxGauges(dataSource: DataSource, schema: string, owner: object): void {
  const read = sharedPerScrape(() => readOutboxBacklog(dataSource, schema));
  gauge(
    'switchyard_outbox_backlog_events',
    'Events written to the outbox and not yet published to Kafka',
    [],
    async (g) => g.set((await read()).events),
    owner,
  );
  gauge(
    'switchyard_outbox_oldest_age_seconds',
    'Age of the oldest event waiting in the outbox (0 when none waits)',
    [],
    async (g) => g.set((await read()).oldestAgeSeconds),
    owner,
  );
}
