import { Inject, Injectable } from '@nestjs/common';
import { newEventId } from '@switchyard/contracts';
import { Batcher } from '@switchyard/messaging';
import { type DeliveryVerdict, isConflict, isRowFault } from '@switchyard/retry';
import { afterCommit, SERVICE_CONFIG } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AttemptRepository } from '../attempts/attempt.repository';
import { MessageRepository } from '../messages/message.repository';
import { type NotificationsConfig } from '../notifications-env';
import { endpointsDisabledTotal } from './delivery.metrics';
import { DeliveryRepository } from './delivery.repository';
import { EndpointStateRepository } from './endpoint-state.repository';
import { type WebhookResponse } from './webhook-sender';

export interface AttemptRecord {
  readonly deliveryId: string;
  readonly eventId: string;
  /** Null for a push to a device: no endpoint, hence no health to keep. */
  readonly endpointId: string | null;
  readonly attempts: number;
  readonly verdict: DeliveryVerdict;
  /** Milliseconds to the next attempt; null when this attempt was the last. */
  readonly delay: number | null;
  readonly response: WebhookResponse;
  /** The instance that claimed the delivery; a lease lost to another instance is not overwritten. */
  readonly instanceId: string;
}

export type RecordOutcome =
  | { readonly disabled: false; readonly leaseLost?: boolean }
  | { readonly disabled: true; readonly reason: string };

const DISABLED_EVENT_TYPE = 'endpoint.disabled';

/** The most attempts recorded together. */
const BATCH_SIZE = 500;

/**
 * Writes attempts, their deliveries' new states and their endpoints' health. Attempts that end
 * together are recorded together (group commit), so recording keeps up with sending. A success
 * closes the circuit; a failure counts towards opening it; an endpoint that answers 410, or has
 * failed without a success for longer than the auto-disable period, is disabled and its partner
 * told through `endpoint.disabled` on their other endpoints.
 */
@Injectable()
export class RecordAttemptUseCase {
  private readonly batcher = new Batcher<AttemptRecord, RecordOutcome>({
    maxSize: BATCH_SIZE,
    run: (records) => this.record(records),
    retryAlone: isRowFault,
    retryTogether: isConflict,
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly attempts: AttemptRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly endpointState: EndpointStateRepository,
    private readonly messages: MessageRepository,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  /** Records one attempt, with those that end at about the same time; answers what it did. */
  execute(record: AttemptRecord): Promise<RecordOutcome> {
    return this.batcher.add(record);
  }

  /**
   * An attempt our own shutdown cut short: on record as such, and due again at once, by any
   * instance. It does not count against the retry schedule; the partner did nothing wrong.
   */
  interrupted(
    record: Pick<AttemptRecord, 'deliveryId' | 'eventId' | 'response' | 'instanceId'>,
  ): Promise<void> {
    const error = record.response.error ?? 'interrupted';
    return this.dataSource.transaction(async (manager) => {
      await this.attempts.add(
        [
          {
            deliveryId: record.deliveryId,
            eventId: record.eventId,
            statusCode: null,
            latencyMs: record.response.latencyMs,
            error,
            responseBody: null,
            sentBy: record.instanceId,
            requestHeaders: record.response.requestHeaders ?? null,
          },
        ],
        manager,
      );
      await this.deliveries.release(record, error, manager);
    });
  }

  /**
   * A batch of successes is one statement (attempts, deliveries, endpoints' health), hence one
   * commit; a batch with a failure is one transaction, endpoints' health written in the order
   * the attempts ended.
   */
  private async record(records: readonly AttemptRecord[]): Promise<RecordOutcome[]> {
    if (records.every((record) => record.verdict === 'success')) {
      const settled = await this.settle(records, true, this.dataSource.manager);
      return records.map((record) =>
        settled.has(record.deliveryId) ? { disabled: false } : { disabled: false, leaseLost: true },
      );
    }
    return this.dataSource.transaction(async (manager) =>
      this.recordHealth(records, await this.settle(records, false, manager), manager),
    );
  }

  private settle(
    records: readonly AttemptRecord[],
    healEndpoints: boolean,
    manager: EntityManager,
  ): Promise<Set<string>> {
    return this.deliveries.settle(
      records.map((record) => ({
        deliveryId: record.deliveryId,
        eventId: record.eventId,
        instanceId: record.instanceId,
        status:
          record.verdict === 'success' ? 'succeeded' : record.delay === null ? 'failed' : 'pending',
        attempts: record.attempts,
        delayMs: record.delay ?? 0,
        statusCode: record.response.statusCode ?? null,
        error: record.response.error ?? null,
        latencyMs: record.response.latencyMs,
        responseBody: record.response.body ?? null,
        requestHeaders: record.response.requestHeaders ?? null,
      })),
      { healEndpoints },
      manager,
    );
  }

  /**
   * Endpoints' health, endpoint by endpoint in the order of their ids (two instances recording
   * failures to some of the same endpoints take their rows in the same order: no deadlock), each
   * endpoint's attempts in the order they ended; successes to one endpoint in a row are one
   * write. An attempt whose lease ran out (another instance took the delivery over) is on
   * record, but the delivery's state and the endpoint's health are the new owner's to write.
   */
  private async recordHealth(
    records: readonly AttemptRecord[],
    settled: ReadonlySet<string>,
    manager: EntityManager,
  ): Promise<RecordOutcome[]> {
    const healed = new Set<string>();
    const outcomes: RecordOutcome[] = [];
    for (const i of byEndpoint(records)) {
      const record = records[i] as AttemptRecord;
      const endpointId = record.endpointId;
      if (!settled.has(record.deliveryId)) {
        outcomes[i] = { disabled: false, leaseLost: true };
      } else if (endpointId === null) {
        outcomes[i] = { disabled: false };
      } else if (record.verdict === 'success') {
        healed.add(endpointId);
        outcomes[i] = { disabled: false };
      } else {
        if (healed.delete(endpointId)) {
          await this.endpointState.recordSuccess([endpointId], manager);
        }
        outcomes[i] = await this.recordFailure({ ...record, endpointId }, manager);
      }
    }
    await this.endpointState.recordSuccess([...healed].sort(), manager);
    return outcomes;
  }

  private async recordFailure(
    record: AttemptRecord & { readonly endpointId: string },
    manager: EntityManager,
  ): Promise<RecordOutcome> {
    const health = await this.endpointState.recordFailure(
      record.endpointId,
      {
        threshold: this.config.DELIVERY_BREAKER_THRESHOLD,
        cooldownMs: this.config.DELIVERY_BREAKER_COOLDOWN_MS,
      },
      manager,
    );
    if (!health?.enabled) return { disabled: false };
    const reason =
      record.verdict === 'disable_endpoint'
        ? 'the endpoint answered 410 Gone'
        : health.failingForMs >= this.config.DELIVERY_AUTO_DISABLE_AFTER_MS
          ? `every attempt failed for ${Math.round(health.failingForMs / 1000)}s`
          : null;
    if (!reason) return { disabled: false };
    const disabled = await this.disable(record.endpointId, reason, manager);
    if (disabled) {
      const code = record.verdict === 'disable_endpoint' ? 'gone' : 'failing';
      afterCommit(manager, () => endpointsDisabledTotal.inc({ reason: code }));
    }
    return { disabled: true, reason };
  }

  /** Disables the endpoint and tells its partner; false when it was disabled already. */
  private async disable(
    endpointId: string,
    reason: string,
    manager: EntityManager,
  ): Promise<boolean> {
    const endpoint = await this.endpointState.disable(endpointId, reason, manager);
    if (!endpoint) return false;
    // An operational event, for the partner's own monitoring: not a domain event, not on Kafka.
    const eventId = newEventId();
    const messageId = await this.messages.add(
      {
        id: `msg_${uuidv7()}`,
        partnerId: endpoint.partnerId,
        eventId,
        eventType: DISABLED_EVENT_TYPE,
        subject: endpointId,
        payload: JSON.stringify({
          id: eventId,
          type: DISABLED_EVENT_TYPE,
          version: 1,
          source: 'notifications',
          subject: endpointId,
          occurredAt: new Date().toISOString(),
          data: {
            endpointId,
            url: endpoint.url,
            reason,
            failingSince: endpoint.failingSince?.toISOString() ?? null,
          },
        }),
      },
      manager,
    );
    await this.deliveries.addToSubscribersOf(
      {
        messageId,
        eventId,
        eventType: DISABLED_EVENT_TYPE,
        partnerId: endpoint.partnerId,
        exceptEndpointId: endpointId,
      },
      manager,
    );
    return true;
  }
}

/** The records' positions, by endpoint id (pushes, with none, first), each endpoint's in order. */
function byEndpoint(records: readonly AttemptRecord[]): number[] {
  const key = (i: number): string => records[i]?.endpointId ?? '';
  return records
    .map((_r, i) => i)
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a - b));
}
