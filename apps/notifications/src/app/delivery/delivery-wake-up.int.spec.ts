import { type ScriptedReceiver, waitFor } from '@switchyard/testing';
import {
  type DeliveryBed,
  type NotificationsTestApp,
  startDeliveryBed,
} from '../../testing/notifications-app.test-helper';

describe('waking the delivery worker when fan-out makes deliveries (real Kafka and Postgres)', () => {
  let bed: DeliveryBed | undefined;
  let t: NotificationsTestApp, receiver: ScriptedReceiver, apiKey: string;

  beforeAll(async () => {
    // Given a worker whose poll is a minute away
    bed = await startDeliveryBed('wake', { DELIVERY_POLL_MS: '60000' });
    ({ t, receiver, apiKey } = bed);
  });
  afterAll(() => bed?.close());

  const delivered = (eventId: string, endpointId: string) =>
    waitFor(
      'the delivery to succeed',
      async () => (await t.deliveryOf(eventId, endpointId))?.status === 'succeeded',
      { timeoutMs: 10_000 },
    );

  it('sends a new delivery at once, not at its next poll', async () => {
    // Given the worker asleep after a first delivery
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/wake') });
    await delivered((await t.publishOrderEvent()).id, endpoint.id);

    // When another event is fanned out to the endpoint
    const second = await t.publishOrderEvent();

    // Then it is delivered well before the minute-long poll would have
    await delivered(second.id, endpoint.id);
    expect(receiver.requestsTo('/wake')).toHaveLength(2);
  });
});
