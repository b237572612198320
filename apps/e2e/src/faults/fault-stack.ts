import {
  freePorts,
  MetricsReading,
  PartnerSink,
  PrivateKafka,
  PrivatePostgres,
  ServiceProcess,
  TopicRecorder,
  waitFor,
} from '@switchyard/testing';
import { type Client } from 'pg';

export const STRIPE_WEBHOOK_SECRET = 'whsec_fault_suite_secret';
export const ADMIN_TOKEN = 'fault-suite-admin-token-0123456789abcdef';

export type ServiceName = 'orders' | 'payments' | 'notifications';
const SERVICES: readonly ServiceName[] = ['orders', 'payments', 'notifications'];
const TOPICS = ['orders.events.v1', 'payments.events.v1'];

/** A partner endpoint in the suite: its sink and the event types it subscribed to. */
export interface Subscription {
  readonly name: string;
  readonly sink: PartnerSink;
  readonly eventTypes: readonly string[];
  readonly endpointId: string;
  readonly apiKey: string;
}

/**
 * The whole product as it runs in production, on infrastructure of the suite's own: a private
 * Postgres cluster, a private Kafka broker, and `instances` processes of each service on one
 * database and one cluster. Faults are injected by killing processes and stopping the servers.
 */
export class FaultStack {
  readonly services: Record<ServiceName, ServiceProcess[]>;
  /** The endpoints every scenario's ledger checks. */
  readonly subscriptions: Subscription[] = [];
  /** Endpoints a single test sets up for itself (rate-limited, failing, hanging). */
  private readonly extras: Subscription[] = [];
  /** Every message on the dead-letter topics since the stack started. */
  readonly deadLetters: TopicRecorder;

  private constructor(
    readonly postgres: PrivatePostgres,
    readonly kafka: PrivateKafka,
    readonly databaseUrl: string,
    services: Record<ServiceName, ServiceProcess[]>,
  ) {
    this.services = services;
    this.deadLetters = new TopicRecorder(
      TOPICS.map((t) => `${t}.dlq`),
      [kafka.brokers],
    );
  }

  static async start(instances: number, env: Record<string, string> = {}): Promise<FaultStack> {
    const [postgres, kafka] = await Promise.all([PrivatePostgres.create(), PrivateKafka.create()]);
    const databaseUrl = await postgres.createDatabase('switchyard');
    const common = {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafka.brokers,
      STRIPE_WEBHOOK_SECRETS: STRIPE_WEBHOOK_SECRET,
      ADMIN_TOKEN,
      DELIVERY_ALLOWED_NETWORKS: '127.0.0.0/8',
      // Short, so a partner outage of a few seconds is ridden out within the test.
      DELIVERY_RETRY_SCHEDULE: '0,250ms,500ms,1s,2s,3s,3s,3s,3s,3s,3s,3s,3s',
      DELIVERY_BREAKER_COOLDOWN_MS: '1000',
      DELIVERY_POLL_MS: '100',
      STRIPE_PROCESSOR_POLL_MS: '200',
      ...env,
    };
    const services = {} as Record<ServiceName, ServiceProcess[]>;
    const ports = await freePorts(SERVICES.length * instances);
    for (const name of SERVICES) {
      services[name] = [];
      for (let i = 0; i < instances; i++) {
        const port = ports.shift() as number;
        services[name].push(new ServiceProcess({ name, port, env: common, label: `fault-${i}` }));
      }
    }
    const stack = new FaultStack(postgres, kafka, databaseUrl, services);
    // One at a time: instances migrate under a lock anyway, and two cores boot six apps slowly.
    for (const name of SERVICES) await services[name][0]?.start();
    await Promise.all(SERVICES.flatMap((name) => services[name].slice(1).map((s) => s.start())));
    await stack.deadLetters.start();
    return stack;
  }

  all(): ServiceProcess[] {
    return SERVICES.flatMap((name) => this.services[name]);
  }

  urls(name: ServiceName): string[] {
    return this.services[name].map((s) => s.url);
  }

  /** Runs `fn` on a fresh connection to the services' database. */
  query<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    return this.postgres.withClient(fn, 'switchyard');
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((s) => s.stop().catch(() => undefined)));
    await Promise.all(
      [...this.subscriptions, ...this.extras].map((s) => s.sink.stop().catch(() => undefined)),
    );
    await this.deadLetters.stop().catch(() => undefined);
    await Promise.all([this.kafka.destroy(), this.postgres.destroy()]);
  }

  /**
   * A partner with one endpoint, its receiver on loopback, subscribed to `eventTypes` with the
   * endpoint `options` (rateLimitPerSecond, fifo…). With `ledger: false` the scenarios' ledger
   * leaves it out: a test's own endpoint, disabled when the test is done with it.
   */
  async subscribe(
    name: string,
    eventTypes: string[],
    options: Record<string, unknown> = {},
    { ledger = true }: { ledger?: boolean } = {},
  ): Promise<Subscription> {
    const api = this.services.notifications[0] as ServiceProcess;
    const partner = await json<{ apiKey: string }>(
      await fetch(`${api.url}/v1/partners`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      }),
    );
    const sink = new PartnerSink();
    const url = await sink.start();
    const endpoint = await json<{ id: string; secret: string }>(
      await fetch(`${api.url}/v1/endpoints`, {
        method: 'POST',
        headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url, eventTypes, ...options }),
      }),
    );
    sink.useSecret(endpoint.secret);
    const subscription = {
      name,
      sink,
      eventTypes,
      endpointId: endpoint.id,
      apiKey: partner.apiKey,
    };
    (ledger ? this.subscriptions : this.extras).push(subscription);
    return subscription;
  }

  /** Turns a test's own endpoint off, so later scenarios do not feed it. */
  async disable(subscription: Subscription): Promise<void> {
    const api = this.services.notifications.find((s) => s.running) as ServiceProcess;
    const response = await fetch(`${api.url}/v1/endpoints/${subscription.endpointId}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${subscription.apiKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ enabled: false }),
    });
    if (!response.ok) throw new Error(`disabling ${subscription.name}: ${response.status}`);
  }

  /** The instance whose outbox relay leads, read from its /metrics. */
  async relayLeader(name: ServiceName): Promise<ServiceProcess | undefined> {
    for (const instance of this.services[name]) {
      if (!instance.running) continue;
      if ((await this.metric(instance, 'switchyard_outbox_relay_leader')) === 1) return instance;
    }
    return undefined;
  }

  /** The value of a Prometheus sample on one instance (0 when absent), named as it is exposed. */
  async metric(instance: ServiceProcess, sample: string): Promise<number> {
    const text = (await this.metrics(instance)).text;
    const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
    return line ? Number(line.slice(sample.length + 1)) : 0;
  }

  /** What one instance's /metrics says now. */
  metrics(instance: ServiceProcess): Promise<MetricsReading> {
    return MetricsReading.of(instance.url);
  }

  /** The HTTP status of an instance's /health/<kind>, or 0 when it does not answer. */
  async health(instance: ServiceProcess, kind: 'live' | 'ready'): Promise<number> {
    try {
      return (await fetch(`${instance.url}/health/${kind}`, { signal: AbortSignal.timeout(5000) }))
        .status;
    } catch {
      return 0;
    }
  }

  /** Waits until every instance answers /health/ready with 200. */
  async allReady(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      'every instance to be ready',
      async () => {
        const statuses = await Promise.all(this.all().map((s) => this.health(s, 'ready')));
        return statuses.every((s) => s === 200);
      },
      { timeoutMs, intervalMs: 250 },
    );
  }
}

async function json<T>(response: Response): Promise<T> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status} ${response.url}: ${text}`);
  return JSON.parse(text) as T;
}
