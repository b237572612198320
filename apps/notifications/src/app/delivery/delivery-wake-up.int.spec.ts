import { type ScriptedReceiver, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import {
  type DeliveryBed,
  type NotificationsTestApp,
  startDeliveryBed,
} from '../../testing/notifications-app.test-helper';
import { ClaimDeliveriesUseCase } from './claim-deliveries.usecase';

interface Id {
  readonly id: string;
}

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

  it('does not claim when a delivery handed over at fan-out is answered and nothing else is due', async () => {
    // Given the worker idle after a first delivery, its claims counted from then on
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/quiet') });
    await delivered((await t.publishOrderEvent()).id, endpoint.id);
    const claims = jest.spyOn(t.app.get(ClaimDeliveriesUseCase), 'execute');

    // When one more event is fanned out and delivered
    await delivered((await t.publishOrderEvent()).id, endpoint.id);

    // Then the worker did not claim: not for the delivery, which fan-out handed it, nor at its
    // answer or at its record (each of those used to claim, and find nothing)
    expect(claims).not.toHaveBeenCalled();
    claims.mockRestore();
  });

  it("sends a FIFO endpoint's deliveries in order, each once the one before is recorded", async () => {
    // Given an endpoint that takes its deliveries one at a time
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/fifo') });
    await t.api(apiKey, 'PATCH', `/v1/endpoints/${endpoint.id}`, { fifo: true });

    // When three events of one order are fanned out to it
    const orderId = randomUUID();
    const events = [
      await t.publishOrderEvent(orderId),
      await t.publishOrderEvent(orderId),
      await t.publishOrderEvent(orderId),
    ];

    // Then all three arrive in order, each without waiting for the minute-long poll
    for (const event of events) await delivered(event.id, endpoint.id);
    const received = receiver.requestsTo('/fifo').map((r) => (JSON.parse(r.body) as Id).id);
    expect(received).toEqual(events.map((e) => e.id));
  });

  it("sends a rate-limited endpoint's backlog at its rate, not at the poll's", async () => {
    // Given an endpoint limited to 20 requests a second
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/limited') });
    await t.api(apiKey, 'PATCH', `/v1/endpoints/${endpoint.id}`, { rateLimitPerSecond: 20 });

    // When five events are fanned out to it at once
    const events = [];
    for (let i = 0; i < 5; i++) events.push(await t.publishOrderEvent());

    // Then all five arrive, each at its next slot rather than at the next minute-long poll
    for (const event of events) await delivered(event.id, endpoint.id);
    expect(receiver.requestsTo('/limited')).toHaveLength(5);
  });
});
