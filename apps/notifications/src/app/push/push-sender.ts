import { Injectable } from '@nestjs/common';
import { type DomainEvent, parseEvent } from '@switchyard/contracts';
import { type ClaimedPush } from './push-delivery.repository';
import { type PushMessage } from './push-message';
import { failedUnsent, type PushOutcome, retryLater } from './push-outcome';
import { PushTransports } from './push-transports';
import { renderPush } from './rules/render-push';
import { PushRules } from './rules/push-rules';

/** One push attempt: what the provider's answer means, how long it took, and what was sent. */
export interface PushAttempt {
  readonly outcome: PushOutcome;
  readonly latencyMs: number;
  /** The notification as rendered for the device (kept with the attempt), or null if none was. */
  readonly sent: PushMessage | null;
}

/**
 * Renders a claimed push for its device's locale with the rule of its event type (as the rules
 * are now), and sends it through the device platform's provider.
 */
@Injectable()
export class PushSender {
  constructor(
    private readonly rules: PushRules,
    private readonly transports: PushTransports,
  ) {}

  async send(push: ClaimedPush, signal: AbortSignal): Promise<PushAttempt> {
    const started = performance.now();
    const done = (outcome: PushOutcome, sent: PushMessage | null): PushAttempt => ({
      outcome,
      latencyMs: Math.round(performance.now() - started),
      sent,
    });
    let event: DomainEvent;
    try {
      event = parseEvent(push.payload);
    } catch (err) {
      return done(
        failedUnsent(`the stored event no longer reads: ${(err as Error).message}`),
        null,
      );
    }
    const rule = this.rules.ruleFor(event.type);
    if (!rule)
      return done(failedUnsent(`no push rule for ${event.type} any more (PUSH_RULES_FILE)`), null);
    const transport = this.transports.for(push.device.platform);
    if (!transport)
      return done(failedUnsent(`${push.device.platform} is not configured on this instance`), null);
    let message: PushMessage;
    try {
      // The delivery's id names the notification: the same across its retries.
      message = renderPush(rule, event, push.locale, push.id, new Date());
    } catch (err) {
      return done(failedUnsent((err as Error).message), null);
    }
    try {
      return done(await transport.send(push.device, message, signal), message);
    } catch (err) {
      // The clients answer outcomes; anything thrown is unexpected, and worth another try.
      return done(retryLater((err as Error).message), message);
    }
  }
}
