import { Injectable } from '@nestjs/common';
import { type DomainEvent } from '@switchyard/contracts';
import { type EntityManager } from 'typeorm';
import { DeviceRepository } from './devices/device.repository';
import { PushFanOutRepository } from './push-fan-out.repository';
import { PushTransports } from './push-transports';
import { PushRules } from './rules/push-rules';

/**
 * Turns an event a push rule names into a push to each device of its customer (the event's
 * `customerId`) on a platform this instance can reach. Runs inside the inbox transaction, beside
 * the partners' fan-out, so an event makes its pushes exactly once.
 */
@Injectable()
export class PushFanOutUseCase {
  constructor(
    private readonly rules: PushRules,
    private readonly transports: PushTransports,
    private readonly devices: DeviceRepository,
    private readonly pushes: PushFanOutRepository,
  ) {}

  /** Whether the event may make pushes: a rule names it, a transport is on, it has a customer. */
  mayPush(event: DomainEvent): boolean {
    return this.transports.enabled && !!this.rules.ruleFor(event.type) && !!customerOf(event);
  }

  /** How many pushes the event made. */
  async execute(manager: EntityManager, event: DomainEvent): Promise<number> {
    const customerId = customerOf(event);
    if (!this.mayPush(event) || !customerId) return 0;
    const reachable = (await this.devices.ofCustomer(customerId, manager)).filter((d) =>
      this.transports.for(d.platform),
    );
    return this.pushes.write(
      {
        eventId: event.id,
        eventType: event.type,
        subject: event.subject,
        payload: JSON.stringify(event),
      },
      customerId,
      reachable.map((d) => d.id),
      manager,
    );
  }
}

function customerOf(event: DomainEvent): string | null {
  const customerId = (event.data as { customerId?: unknown }).customerId;
  return typeof customerId === 'string' ? customerId : null;
}
