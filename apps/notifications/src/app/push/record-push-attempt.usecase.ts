import { Inject, Injectable } from '@nestjs/common';
import { retryPolicy, type RetryPolicy } from '@switchyard/retry';
import { SERVICE_CONFIG } from '@switchyard/service';
import { PinoLogger } from 'nestjs-pino';
import { RecordAttemptUseCase } from '../delivery/record-attempt.usecase';
import { type WebhookResponse } from '../delivery/webhook-sender';
import { type NotificationsConfig } from '../notifications-env';
import { DeviceRepository } from './devices/device.repository';
import { type ClaimedPush } from './push-delivery.repository';
import { type PushAttempt } from './push-sender';
import { pushVerdict } from './push-verdict';
import { pushRefusedTotal, pushSendsTotal } from './push.metrics';

/** Runs a write until the database takes it (the worker's outage handling). */
export type UntilStored = <T>(write: () => Promise<T>) => Promise<T>;

/**
 * Puts a push's attempt on record like a webhook's (the same grouped statement settles both):
 * tried again on PUSH_RETRY_SCHEDULE, or over; a dead token removes its device. An attempt whose
 * lease ran out is on record, but the delivery, the device and the counts are the new owner's.
 */
@Injectable()
export class RecordPushAttemptUseCase {
  private readonly policy: RetryPolicy;

  constructor(
    private readonly recordAttempt: RecordAttemptUseCase,
    private readonly devices: DeviceRepository,
    @Inject(SERVICE_CONFIG) config: NotificationsConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(RecordPushAttemptUseCase.name);
    this.policy = retryPolicy({ scheduleMs: config.PUSH_RETRY_SCHEDULE });
  }

  /** What goes in the attempt log: the provider's status and reason, the notification sent. */
  static responseOf(attempt: PushAttempt): WebhookResponse {
    const { outcome } = attempt;
    return {
      ...(outcome.statusCode !== null && { statusCode: outcome.statusCode }),
      latencyMs: attempt.latencyMs,
      ...(outcome.kind !== 'sent' && { error: outcome.reason }),
      ...(attempt.sent && { body: JSON.stringify(attempt.sent).slice(0, 4096) }),
    };
  }

  /** True when another attempt is scheduled. */
  async execute(
    push: ClaimedPush,
    attempt: PushAttempt,
    instanceId: string,
    untilStored: UntilStored,
  ): Promise<{ retry: boolean }> {
    const { outcome } = attempt;
    const attempts = push.attempts + 1;
    const { verdict, delay, removeDevice } = pushVerdict(outcome, this.policy, {
      attemptsMade: attempts,
      elapsedMs: Date.now() - push.createdAt.getTime(),
    });
    const recorded = await untilStored(() =>
      this.recordAttempt.execute({
        deliveryId: push.id,
        eventId: push.eventId,
        endpointId: null,
        attempts,
        verdict,
        delay,
        response: RecordPushAttemptUseCase.responseOf(attempt),
        instanceId,
      }),
    );
    if (!recorded.disabled && recorded.leaseLost) {
      this.logger.warn(
        { deliveryId: push.id, deviceId: push.deviceId },
        'the lease ran out before the push attempt was recorded; another instance owns it now',
      );
      return { retry: false };
    }
    if (removeDevice) {
      await untilStored(() => this.devices.removeDead(push.deviceId, removeDevice.unregisteredAt));
    }
    this.count(push, attempt, attempts);
    return { retry: verdict === 'retry' };
  }

  private count(push: ClaimedPush, { outcome }: PushAttempt, attempts: number): void {
    const platform = push.device.platform;
    pushSendsTotal.inc({ platform, result: outcome.kind });
    const refused = outcome.kind === 'failed' && outcome.alert;
    if (refused) pushRefusedTotal.inc({ platform });
    const context = {
      deliveryId: push.id,
      deviceId: push.deviceId,
      platform,
      statusCode: outcome.statusCode,
      outcome: outcome.kind,
      ...(outcome.kind !== 'sent' && { reason: outcome.reason }),
      attempts,
    };
    // Every attempt is in the attempts table: info keeps a line per push that ends badly.
    if (refused) {
      this.logger.error(
        context,
        'push refused for a reason an operator must fix (credentials, sender or topic)',
      );
    } else if (outcome.kind === 'sent' || outcome.kind === 'retry') {
      this.logger.debug(context, 'push attempt');
    } else {
      this.logger.info(context, 'push attempt');
    }
  }
}
