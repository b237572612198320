import { Injectable } from '@nestjs/common';
import { createEvent, type EventType, exampleDataOf } from '@switchyard/contracts';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { EndpointNotFoundError } from '../endpoints/endpoint-not-found.error';
import { EndpointRepository } from '../endpoints/endpoint.repository';
import { FanOutRepository } from './fan-out.repository';

/** The subject of every example event, so a partner's handler can tell one from a real event. */
export const EXAMPLE_SUBJECT = 'example';

export interface SentExample {
  readonly messageId: string;
  readonly eventId: string;
}

/**
 * Sends one of the catalog's example events to one endpoint of the partner: a message and a
 * single delivery, written as fan-out writes them (and the delivery worker woken at commit the
 * same way), so it goes out signed, retried and logged like any other. The endpoint's filter
 * and event types are not consulted: the partner asked for this endpoint and this type.
 */
@Injectable()
export class SendExampleEventUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly endpoints: EndpointRepository,
    private readonly fanOut: FanOutRepository,
  ) {}

  execute(partnerId: string, endpointId: string, type: EventType): Promise<SentExample> {
    const event = createEvent(type, EXAMPLE_SUBJECT, exampleDataOf(type));
    const messageId = `msg_${uuidv7()}`;
    return this.dataSource.transaction(async (db) => {
      if (!(await this.endpoints.exists(partnerId, endpointId, db)))
        throw new EndpointNotFoundError();
      await this.fanOut.write(
        [
          {
            event: {
              eventId: event.id,
              eventType: event.type,
              subject: event.subject,
              payload: JSON.stringify(event),
            },
            messages: [{ id: messageId, partnerId }],
            deliveries: [{ partnerId, endpointId, filteredReason: null }],
          },
        ],
        db,
      );
      return { messageId, eventId: event.id };
    });
  }
}
