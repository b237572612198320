import { createEvent, type DomainEvent, Topics } from '@switchyard/contracts';
import { retryPolicy } from '@switchyard/retry';
import { testKafkaBrokers, TopicRecorder, uniqueKafkaPrefix, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { EventPublisher } from '../event-publisher';
import { createKafka, ensureTopics } from '../kafka-settings';
import { UnprocessableEventError } from './consumer-errors';
import { DeadLetterHeaders } from './dead-letter';
import { EventConsumer } from './event-consumer';

describe('event consumer (real Kafka)', () => {
  const prefix = uniqueKafkaPrefix('consumer');
  const topic = `${prefix}${Topics.paymentsEvents}`;
  const dlq = `${topic}.dlq`;
  const kafka = createKafka({
    brokers: testKafkaBrokers(),
    clientId: 'consumer-test',
    namePrefix: prefix,
  });
  const publisher = new EventPublisher(kafka);
  const handled: DomainEvent[] = [];
  let failuresLeft = 0;
  let consumer: EventConsumer;
  let dlqRecorder: TopicRecorder;

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic, dlq]);
    await admin.disconnect();
    dlqRecorder = new TopicRecorder([dlq]);
    await dlqRecorder.start();
    consumer = new EventConsumer(kafka, publisher, {
      groupId: `${prefix}group`,
      topics: [topic],
      retry: retryPolicy({ scheduleMs: [0, 50, 50], jitterRatio: 0 }),
      handler: async (event) => {
        if (event.subject === 'unknown-order')
          throw new UnprocessableEventError('unknown_order', 'no such order');
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new Error('database briefly unavailable');
        }
        handled.push(event);
      },
    });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await dlqRecorder?.stop();
    await publisher.disconnect();
  });

  function paymentSucceeded(orderId: string, subject = orderId) {
    return createEvent('payment.succeeded', subject, {
      orderId,
      provider: 'stripe',
      providerEventId: `evt_${randomUUID()}`,
      paymentIntentId: 'pi_1',
      amount: 100,
      currency: 'usd',
    });
  }

  it('dead-letters a poison message and still processes the next one with the same key', async () => {
    const orderId = randomUUID();
    const good = paymentSucceeded(orderId);

    // Given a message that is not a valid event, then a valid one, on the same key
    await publisher.sendBatch([
      {
        topic,
        messages: [
          { key: orderId, value: '{"not":"an event"}' },
          { key: orderId, value: JSON.stringify(good) },
        ],
      },
    ]);

    // Then the valid one is handled, and the poison one lands in the DLQ with its provenance
    await waitFor('the good event to be handled', () => handled.some((e) => e.id === good.id));
    const dead = await waitFor('the poison message in the DLQ', () =>
      dlqRecorder.messages.find((m) => m.key === orderId),
    );
    expect(dead.value).toBe('{"not":"an event"}');
    expect(dead.headers[DeadLetterHeaders.originalTopic]).toBe(topic);
    expect(dead.headers[DeadLetterHeaders.errorCode]).toBe('invalid_envelope');
    expect(dead.headers[DeadLetterHeaders.originalOffset]).toMatch(/^\d+$/);
  });

  it('retries a transient failure and then handles the event once', async () => {
    failuresLeft = 2;
    const event = paymentSucceeded(randomUUID());

    await publisher.sendBatch([
      { topic, messages: [{ key: event.subject, value: JSON.stringify(event) }] },
    ]);

    await waitFor('the event to be handled after retries', () =>
      handled.some((e) => e.id === event.id),
    );
    expect(handled.filter((e) => e.id === event.id)).toHaveLength(1);
  });

  it('dead-letters an event the handler marks unprocessable, naming the reason', async () => {
    const event = paymentSucceeded(randomUUID(), 'unknown-order');

    await publisher.sendBatch([
      { topic, messages: [{ key: 'unknown-order', value: JSON.stringify(event) }] },
    ]);

    const dead = await waitFor('the event in the DLQ', () =>
      dlqRecorder.messages.find((m) => m.value?.includes(event.id)),
    );
    expect(dead.headers[DeadLetterHeaders.errorCode]).toBe('unknown_order');
    expect(dead.headers[DeadLetterHeaders.errorMessage]).toBe('no such order');
  });
});
