import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  classifyOutcome,
  type DeliveryVerdict,
  isDependencyFailure,
  nextAttemptDelay,
  outageBackoffMs,
  parseRetryAfter,
  parseSchedule,
  retryPolicy,
  type RetryPolicy,
  transportFailureOf,
} from '@switchyard/retry';
import {
  markFailed,
  PollingLoop,
  sleepUnless,
  SpanKind,
  startSpan,
  traceparentInJson,
  tracingOn,
  WakeUps,
} from '@switchyard/messaging';
import { counter, logPollingLoopErrors, SERVICE_CONFIG } from '@switchyard/service';
import { PinoLogger } from 'nestjs-pino';
import { type NotificationsConfig } from '../notifications-env';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { ClaimDeliveriesUseCase } from './claim-deliveries.usecase';
import { DeliveryHandOff, type HandOffTaker } from './delivery-hand-off';
import { attemptDuration, deliveriesTotal } from './delivery.metrics';
import { EndpointLabels } from './endpoint-labels';
import {
  type ClaimedDelivery,
  type DeliveryKey,
  DeliveryRepository,
  dueDeliveriesChannel,
} from './delivery.repository';
import { RecordAttemptUseCase } from './record-attempt.usecase';
import { type ClaimedPush } from '../push/push-delivery.repository';
import { type PushAttempt, PushSender } from '../push/push-sender';
import { RecordPushAttemptUseCase } from '../push/record-push-attempt.usecase';
import { AllowedNetworks } from './url-safety/address-policy';
import { dnsServersResolver } from './url-safety/dns-servers-resolver';
import { WebhookSender, type WebhookResponse } from './webhook-sender';

const attemptsTotal = counter(
  'switchyard_webhook_attempts_total',
  'Webhook attempts this instance made, by verdict (success, retry, give_up, disable_endpoint, interrupted)',
  ['verdict'],
);

/**
 * Sends due deliveries. Rows are claimed with SKIP LOCKED and a short lease (`locked_until`,
 * owned through `locked_by`) renewed while the request is in flight, so several instances share
 * the queue and a crashed one's deliveries go out again within about a lease. Each send runs on
 * its own, so a hanging endpoint holds one slot for at most the timeout and never the deliveries
 * of other endpoints. Claims run ahead of sending: while a batch (DELIVERY_CONCURRENCY) is in
 * flight, up to two more are claimed and waiting, and the next claim starts once no more than one
 * is waiting, so slots never sit idle while a claim is in progress, and under load each claim
 * takes a batch or more rather than the few slots that just came free. A slot is held while the request is in flight, not while
 * its attempt is recorded: attempts are recorded together (group commit), and a slot waiting for
 * that would sit idle for most of a send's cycle. Sent but not yet recorded is at most four
 * times DELIVERY_CONCURRENCY, and requests in flight with failed answers at most twice
 * (`tooMuchUnrecorded`), so a slow database slows sending rather than piling answers up. On
 * shutdown it stops claiming, gives back what it claimed but did not send, lets requests in
 * flight finish for a grace period, then cuts the rest and records them as interrupted, due
 * again at once. Most new deliveries are not claimed at all: fan-out leases them to this
 * instance as it writes them, up to `handOffRoom`, and hands them over once committed (`take`).
 */
@Injectable()
export class DeliveryWorker
  implements OnApplicationBootstrap, BeforeApplicationShutdown, HandOffTaker
{
  private readonly policy: RetryPolicy;
  private readonly sender: WebhookSender;
  /** Requests in flight: at most DELIVERY_CONCURRENCY. */
  private readonly sending = new Set<Promise<void>>();
  /** Answered, their attempts being recorded (with `sending`, up to four times DELIVERY_CONCURRENCY). */
  private readonly recording = new Set<Promise<void>>();
  /** Of `recording`, the answers other than a webhook's success: failures, cut requests, pushes. */
  private unrecordedFailures = 0;
  /** Claimed and waiting for a free slot, oldest first: webhook deliveries and pushes alike. */
  private readonly ready: (ClaimedDelivery | ClaimedPush)[] = [];
  /** Deliveries this instance holds, until their attempts are recorded: their leases are renewed. */
  private readonly leased = new Map<string, DeliveryKey>();
  private readonly policies = new Map<string, RetryPolicy>();
  private readonly loop: PollingLoop;
  private readonly interrupt = abortControllerForMany();
  private renewTimer: NodeJS.Timeout | null = null;
  /**
   * Whether a claim now may find something: the last one was full or passed over deliveries
   * waiting for a slot, a wake-up came while the worker was too full to claim, a gated delivery
   * (rate limit, FIFO, probe) was recorded or its endpoint's next rate slot came, or an attempt
   * asked for a retry. When not, a freed slot does not claim (at a low rate that was two empty
   * claims per delivery); new deliveries are announced, and what comes due later by time alone
   * (retries, expired leases, cool-downs) is found by the poll.
   */
  private moreMayBeDue = true;
  /** Counts what set `moreMayBeDue`, so a claim in flight does not clear a signal newer than it. */
  private dueSignals = 0;
  /** Claimed deliveries that won a slot on their endpoint, with the endpoint's rate limit. */
  private readonly gated = new Map<string, number | null>();
  /** Wake-ups at rate-limited endpoints' next slots. */
  private readonly slotTimers = new Set<NodeJS.Timeout>();
  private stopping: Promise<void> | null = null;
  /** Names this process in `deliveries.locked_by`. */
  readonly instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  /** Attempts this instance has made (tests check that two instances share the work). */
  attemptsMade = 0;

  constructor(
    private readonly claimDeliveries: ClaimDeliveriesUseCase,
    private readonly recordAttempt: RecordAttemptUseCase,
    private readonly deliveries: DeliveryRepository,
    private readonly endpointLabels: EndpointLabels,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly logger: PinoLogger,
    wakeUps: WakeUps,
    private readonly pushSender: PushSender,
    private readonly recordPushAttempt: RecordPushAttemptUseCase,
    private readonly handOff: DeliveryHandOff,
  ) {
    logger.setContext(DeliveryWorker.name);
    this.policy = retryPolicy({ scheduleMs: config.DELIVERY_RETRY_SCHEDULE });
    this.sender = new WebhookSender({
      policy: {
        allowedNetworks: new AllowedNetworks(config.DELIVERY_ALLOWED_NETWORKS),
        requireHttps: config.DELIVERY_REQUIRE_HTTPS,
        ...(config.DELIVERY_DNS_SERVERS.length > 0 && {
          resolver: dnsServersResolver(config.DELIVERY_DNS_SERVERS, {
            timeoutMs: config.DELIVERY_CONNECT_TIMEOUT_MS,
          }),
        }),
      },
      timeoutMs: config.DELIVERY_TIMEOUT_MS,
      connectTimeoutMs: config.DELIVERY_CONNECT_TIMEOUT_MS,
    });
    this.loop = new PollingLoop({
      intervalMs: config.DELIVERY_POLL_MS,
      work: () => this.claimAndSend(),
      // Fan-out and replays announce due deliveries: this instance's worker, or another's when
      // this one is not sending, claims them at once.
      wakeOn: {
        connectionString: config.DATABASE_URL,
        channel: dueDeliveriesChannel(config.DB_SCHEMA),
        applicationName: `switchyard-delivery-worker:${config.DB_SCHEMA}`,
        wakeUps,
      },
      onError: logPollingLoopErrors(
        this.logger,
        'claiming deliveries',
        'deliveries wait for the database',
      ),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
    this.handOff.attach(this);
    const every = Math.max(200, Math.floor(this.config.DELIVERY_LEASE_MS / 3));
    this.renewTimer = setInterval(() => void this.renewLeases(), every);
  }

  /** Stops once, however many times it is asked to (a test stops one instance's worker early). */
  beforeApplicationShutdown(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async stop(): Promise<void> {
    await this.loop.stop();
    await this.giveBackUnsent();
    const settled = this.settled();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => {
      timer = setTimeout(() => resolve('grace over'), this.config.DELIVERY_SHUTDOWN_GRACE_MS);
    });
    if ((await Promise.race([settled, graceOver])) === 'grace over') {
      this.logger.warn(
        { inFlight: this.sending.size, recording: this.recording.size },
        'stopping: cutting the requests still in flight; they are due again at once',
      );
      this.interrupt.abort();
      await settled;
    }
    clearTimeout(timer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    for (const timer of this.slotTimers) clearTimeout(timer);
    await this.sender.close();
  }

  /**
   * One round: when no more than a batch is waiting (`claimAhead`), claims up to three batches'
   * worth less what is held, rounded down to a power of two; true when it got all it asked for
   * (more may be due).
   */
  private async claimAndSend(): Promise<boolean> {
    const room = this.room();
    if (room === 0) {
      // A wake-up may have announced new deliveries: look once there is room again.
      this.signalMoreMayBeDue();
      return false;
    }
    // A power of two: the limit is part of the claim's text, so a few texts are prepared and
    // planned once per connection, where every size up to the most held was one (~8 ms each).
    const limit = powerOfTwoAtMost(room);
    const signalsBefore = this.dueSignals;
    const { deliveries, pushes, gated, more } = await this.claimDeliveries.execute(
      limit,
      this.instanceId,
    );
    this.moreMayBeDue = more || this.dueSignals !== signalsBefore;
    for (const [id, rateLimitPerSecond] of gated) this.gated.set(id, rateLimitPerSecond);
    const claimed = [...pushes, ...deliveries];
    this.hold(claimed);
    return claimed.length > 0 && claimed.length === limit;
  }

  /**
   * How many deliveries this instance would take now: three batches' worth less what it holds,
   * once no more than a batch is waiting (`claimAhead`); none while too much is unrecorded or it
   * is stopping. While more is waiting, it goes out first: a claim costs about the same for a
   * few rows as for a batch.
   */
  private room(): number {
    if (!this.claimAhead() || this.tooMuchUnrecorded() || this.stopping) return 0;
    return 3 * this.config.DELIVERY_CONCURRENCY - (this.sending.size + this.ready.length);
  }

  /** Deliveries leased to this instance, to send: their leases are renewed until recorded. */
  private hold(deliveries: readonly (ClaimedDelivery | ClaimedPush)[]): void {
    for (const delivery of deliveries) {
      this.leased.set(delivery.id, { id: delivery.id, eventId: delivery.eventId });
      this.ready.push(delivery);
    }
    this.sendReady();
  }

  /**
   * How many deliveries fan-out may lease to this instance as it writes them: the room a claim
   * would take now (`room`). None while a claim may find due deliveries (`moreMayBeDue`): new
   * ones then wait their turn behind them, where handed over they would go first, and under load
   * the oldest would wait longest.
   */
  handOffRoom(): number {
    return this.loop.isRunning && !this.moreMayBeDue ? this.room() : 0;
  }

  /**
   * Deliveries fan-out leased to this instance, committed: sent as claimed ones are. Stopping,
   * it gives them back at once, due for whoever claims next.
   */
  take(deliveries: readonly ClaimedDelivery[]): void {
    if (this.stopping) void this.giveBack(deliveries);
    else this.hold(deliveries);
  }

  private sendReady(): void {
    while (
      !this.stopping &&
      this.sending.size < this.config.DELIVERY_CONCURRENCY &&
      !this.tooMuchUnrecorded() &&
      this.ready.length > 0
    ) {
      const next = this.ready.shift() as ClaimedDelivery | ClaimedPush;
      if (next.kind === 'push') this.sendPush(next);
      else this.send(next);
    }
  }

  /**
   * Sent but not yet recorded, in flight or answered, is kept to at most four times
   * DELIVERY_CONCURRENCY, so a slow database slows sending. Attempts are recorded one run at a
   * time, and a run takes about as long for a few as for many; the answers that arrive while one
   * runs need room to wait for the next, or sending stops for the whole run (twice the
   * concurrency held the drain about a tenth lower). Failed answers are kept tighter: with the
   * requests in flight, to at most twice DELIVERY_CONCURRENCY, because a failing endpoint's circuit
   * opens on recorded failures, and this bounds how many more requests it can get before it does.
   */
  private tooMuchUnrecorded(): boolean {
    const concurrency = this.config.DELIVERY_CONCURRENCY;
    return (
      this.sending.size + this.recording.size >= 4 * concurrency ||
      this.sending.size + this.unrecordedFailures >= 2 * concurrency
    );
  }

  /** Sends a delivery in a slot of its own; its answer is recorded once the slot is free again. */
  private send(delivery: ClaimedDelivery): void {
    this.inSlot(
      delivery,
      this.request(delivery).then((response) => this.record(delivery, response)),
    );
  }

  /** Sends a push in a slot of its own, as `send` does a webhook delivery. */
  private sendPush(push: ClaimedPush): void {
    this.inSlot(
      push,
      this.pushSender
        .send(push, this.interrupt.signal)
        .then((attempt) =>
          this.recordInSlot(push, () => this.recordPush(push, attempt), { success: false }),
        ),
    );
  }

  /** Holds a slot while `sending` (which hands its answer to recording) is in flight. */
  private inSlot(delivery: DeliveryKey, sending: Promise<void>): void {
    const sent: Promise<void> = sending
      .catch((err: unknown) => {
        this.leased.delete(delivery.id);
        this.logger.error(
          { err, deliveryId: delivery.id },
          'could not send a delivery; it goes out again when its lease ends',
        );
      })
      .finally(() => {
        this.sending.delete(sent);
        this.sendReady();
        this.claimWhenLow();
      });
    this.sending.add(sent);
  }

  /** A push's answer on record; cut short by our own shutdown, it is due again at once. */
  private async recordPush(push: ClaimedPush, attempt: PushAttempt): Promise<void> {
    if (this.interrupt.signal.aborted && attempt.outcome.kind === 'retry') {
      await this.whileDatabaseIsDown(() =>
        this.recordAttempt.interrupted({
          deliveryId: push.id,
          eventId: push.eventId,
          response: {
            ...RecordPushAttemptUseCase.responseOf(attempt),
            error: 'interrupted by shutdown',
          },
          instanceId: this.instanceId,
        }),
      );
      return;
    }
    this.attemptsMade++;
    const { retry } = await this.recordPushAttempt.execute(
      push,
      attempt,
      this.instanceId,
      (write) => this.whileDatabaseIsDown(write),
    );
    if (retry) this.signalMoreMayBeDue();
  }

  /**
   * One attempt, in a client span under the event's trace (the trace id stays ours: partners
   * are not sent a `traceparent`).
   */
  private async request(delivery: ClaimedDelivery): Promise<WebhookResponse> {
    const parent = tracingOn() ? traceparentInJson(delivery.payload) : undefined;
    const span = startSpan('webhook.attempt', parent, SpanKind.CLIENT, {
      'switchyard.endpoint.id': delivery.endpointId,
      'switchyard.message.id': delivery.messageId,
      'switchyard.attempt': delivery.attempts + 1,
    });
    try {
      const response = await this.sender.send(
        {
          url: delivery.url,
          messageId: delivery.messageId,
          secrets: delivery.secrets,
          body:
            delivery.payloadMode === 'thin' ? this.thinBody(delivery.payload) : delivery.payload,
          headers: delivery.headers,
        },
        this.interrupt.signal,
      );
      if (response.statusCode !== undefined) {
        span.setAttribute('http.response.status_code', response.statusCode);
      }
      if (response.statusCode === undefined || response.statusCode >= 300) {
        markFailed(span, response.error ?? `answered ${response.statusCode}`);
      }
      return response;
    } catch (err) {
      markFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  }

  private record(delivery: ClaimedDelivery, response: WebhookResponse): void {
    const verdict = verdictOf(response);
    this.recordInSlot(delivery, () => this.recordAnswer(delivery, response, verdict), {
      success: !response.interrupted && verdict === 'success',
    });
  }

  /**
   * Records an answer once the slot is free; the lease is held until it is on record. Only a
   * `success` may wait beyond the bound on failed answers (`tooMuchUnrecorded`).
   */
  private recordInSlot(
    delivery: DeliveryKey,
    write: () => Promise<void>,
    { success }: { readonly success: boolean },
  ): void {
    const recorded: Promise<void> = write()
      .catch((err: unknown) =>
        this.logger.error(
          { err, deliveryId: delivery.id },
          'recording a delivery attempt failed; the delivery goes out again when its lease ends',
        ),
      )
      .finally(() => {
        if (!success) this.unrecordedFailures--;
        this.leased.delete(delivery.id);
        this.recording.delete(recorded);
        this.afterGated(delivery.id);
        this.sendReady();
        this.claimWhenLow();
      });
    this.recording.add(recorded);
    if (!success) this.unrecordedFailures++;
  }

  private signalMoreMayBeDue(): void {
    this.moreMayBeDue = true;
    this.dueSignals++;
  }

  /**
   * A gated delivery is settled: its endpoint's next delivery may go now (FIFO, a probe), or at
   * the endpoint's next rate slot, where the poll would find it only at its next round.
   */
  private afterGated(deliveryId: string): void {
    if (!this.gated.has(deliveryId)) return;
    const rateLimitPerSecond = this.gated.get(deliveryId) ?? null;
    this.gated.delete(deliveryId);
    this.signalMoreMayBeDue();
    if (rateLimitPerSecond === null || this.stopping) return;
    // Up to a quarter of a slot late, at random: other instances' polls get their turns at the
    // endpoint instead of this timer taking every slot it frees.
    const slotMs = 1000 / rateLimitPerSecond;
    const timer = setTimeout(
      () => {
        this.slotTimers.delete(timer);
        this.signalMoreMayBeDue();
        this.loop.wake();
      },
      Math.ceil(slotMs * (1 + Math.random() / 4)),
    );
    this.slotTimers.add(timer);
  }

  /**
   * Claims once a batch's worth has gone out, not at every answer: claims come in full batches
   * under load, and at once when little is held.
   */
  private claimWhenLow(): void {
    if (this.moreMayBeDue && this.claimAhead()) this.loop.wake();
  }

  /**
   * Whether to claim now: no more than a batch is held beyond the batch in flight. A claim takes
   * about as long as a batch's requests to a fast endpoint, so the next batch is claimed while
   * one is waiting, not once the slots are already free.
   */
  private claimAhead(): boolean {
    return this.sending.size + this.ready.length <= 2 * this.config.DELIVERY_CONCURRENCY;
  }

  /** Resolves when nothing is in flight or being recorded (sends end in recordings). */
  private async settled(): Promise<void> {
    while (this.sending.size > 0 || this.recording.size > 0) {
      await Promise.all([...this.sending, ...this.recording]);
    }
  }

  /** Claimed but never sent: due again at once for any instance (else only when the lease ends). */
  private giveBackUnsent(): Promise<void> {
    return this.giveBack(this.ready.splice(0));
  }

  private async giveBack(unsent: readonly DeliveryKey[]): Promise<void> {
    for (const delivery of unsent) this.leased.delete(delivery.id);
    try {
      await this.deliveries.unlease(unsent, this.instanceId);
    } catch (err) {
      this.logger.warn(
        { err: String(err), deliveries: unsent.length },
        'stopping: could not give back unsent deliveries; they are due again when their leases end',
      );
    }
  }

  private async renewLeases(): Promise<void> {
    try {
      await this.deliveries.renewLeases(
        [...this.leased.values()],
        this.instanceId,
        this.config.DELIVERY_LEASE_MS / 1000,
      );
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'could not renew delivery leases; retrying');
    }
  }

  private async recordAnswer(
    delivery: ClaimedDelivery,
    response: WebhookResponse,
    verdict: DeliveryVerdict,
  ): Promise<void> {
    if (response.interrupted) {
      attemptsTotal.inc({ verdict: 'interrupted' });
      await this.whileDatabaseIsDown(() =>
        this.recordAttempt.interrupted({
          deliveryId: delivery.id,
          eventId: delivery.eventId,
          response,
          instanceId: this.instanceId,
        }),
      );
      return;
    }
    await this.recordOutcome(delivery, response, verdict);
  }

  /**
   * Runs `write` until the database takes it: an attempt made during an outage is recorded once
   * the database is back, rather than lost and sent again. Gives up only when shutting down.
   */
  private async whileDatabaseIsDown<T>(write: () => Promise<T>): Promise<T> {
    for (let outages = 1; ; outages++) {
      try {
        return await write();
      } catch (err) {
        if (!isDependencyFailure(err) || this.interrupt.signal.aborted) throw err;
        await sleepUnless(outageBackoffMs(outages), this.interrupt.signal);
      }
    }
  }

  private async recordOutcome(
    delivery: ClaimedDelivery,
    response: WebhookResponse,
    verdict: DeliveryVerdict,
  ): Promise<void> {
    this.attemptsMade++;
    const attempts = delivery.attempts + 1;
    const delay =
      verdict === 'retry'
        ? nextAttemptDelay(this.policyFor(delivery.retrySchedule), {
            attemptsMade: attempts,
            retryAfterMs: parseRetryAfter(response.retryAfter),
            elapsedMs: Date.now() - delivery.createdAt.getTime(),
          })
        : null;
    attemptsTotal.inc({ verdict });
    const outcome = await this.whileDatabaseIsDown(() =>
      this.recordAttempt.execute({
        deliveryId: delivery.id,
        eventId: delivery.eventId,
        endpointId: delivery.endpointId,
        attempts,
        verdict,
        delay,
        response,
        instanceId: this.instanceId,
      }),
    );
    if (verdict === 'retry') this.signalMoreMayBeDue();
    if (outcome.disabled || !outcome.leaseLost) {
      const result = deliveryResult(verdict, delay);
      deliveriesTotal.inc({ result, endpoint: this.endpointLabels.of(delivery.endpointId) });
      attemptDuration.observe({ result }, response.latencyMs / 1000);
    }
    if (!outcome.disabled && outcome.leaseLost) {
      this.logger.warn(
        { deliveryId: delivery.id, messageId: delivery.messageId },
        'the lease ran out before the attempt was recorded; another instance owns the delivery now',
      );
    }
    if (outcome.disabled) {
      this.logger.warn(
        { endpointId: delivery.endpointId, reason: outcome.reason },
        'endpoint disabled',
      );
      this.loop.wake();
    }
    // Every attempt is in the attempts table; the log at info keeps one line per delivery that
    // ends in failure, not one per request.
    this.logger[verdict === 'success' || verdict === 'retry' ? 'debug' : 'info'](
      {
        deliveryId: delivery.id,
        messageId: delivery.messageId,
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

/**
 * The shutdown signal every send in flight listens to: as many listeners as
 * DELIVERY_CONCURRENCY, which is not a leak, so Node's warning past ten is turned off for it.
 */
function abortControllerForMany(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** What an answer asks for; a destination our address policy refused is not tried again. */
function verdictOf(response: WebhookResponse): DeliveryVerdict {
  if (response.errorCode === 'ERR_UNSAFE_DESTINATION') return 'give_up';
  return classifyOutcome(
    response.statusCode === undefined
      ? { transportFailure: transportFailureOf(response.errorCode) }
      : { status: response.statusCode },
  );
}

/** What became of a delivery after an attempt, as `switchyard_deliveries_total` counts it. */
function deliveryResult(verdict: DeliveryVerdict, delay: number | null): string {
  if (verdict === 'success') return 'succeeded';
  if (verdict === 'retry') return delay === null ? 'gave_up' : 'retrying';
  return 'failed';
}

function powerOfTwoAtMost(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}
