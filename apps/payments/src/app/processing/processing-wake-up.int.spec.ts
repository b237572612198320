import { paymentIntentSucceededEvent, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import {
  ADMIN_TOKEN,
  type PaymentsTestApp,
  startPaymentsApp,
  deliverStripeEvent,
} from '../../testing/payments-app.test-helper';

describe('waking the Stripe processor of another instance (real Postgres and Kafka)', () => {
  let processing: PaymentsTestApp;
  let intake: PaymentsTestApp;

  beforeAll(async () => {
    // Given a processing instance whose poll is a minute away, and an intake-only instance
    processing = await startPaymentsApp('wake', { STRIPE_PROCESSOR_POLL_MS: '60000' });
    intake = await startPaymentsApp(
      'wake',
      { STRIPE_PROCESSOR_ENABLED: 'false' },
      { database: processing.database, kafkaPrefix: processing.kafkaPrefix },
    );
  });

  afterAll(async () => {
    await intake?.close();
    await processing?.close();
  });

  async function receive(): Promise<string> {
    const event = paymentIntentSucceededEvent({
      orderId: randomUUID(),
      amount: 500,
      currency: 'usd',
    });
    const res = await deliverStripeEvent(intake, event);
    expect(res.status).toBe(200);
    return event.id;
  }

  async function replayThroughIntake(path: string, body: object): Promise<void> {
    const res = await fetch(`${intake.url}/admin/stripe-events${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
  }

  async function processed(id: string): Promise<boolean> {
    const [row] = await processing.dataSource.query(
      'SELECT status FROM payments.stripe_events WHERE id = $1',
      [id],
    );
    return row?.status === 'processed';
  }

  it('processes an event another instance stored at once, not at its next poll', async () => {
    // Given the processor asleep after a first event
    const first = await receive();
    await waitFor('the first event to be processed', () => processed(first));

    // When the intake instance stores another
    const second = await receive();

    // Then the processor takes it well before its minute-long poll would have
    await waitFor('the second event to be processed', () => processed(second), {
      timeoutMs: 10_000,
    });
  });

  it('processes an event replayed through another instance at once, not at its next poll', async () => {
    // Given an event processed, and the processor asleep again
    const id = await receive();
    await waitFor('the event to be processed', () => processed(id));

    // When an operator replays it through the intake instance, whose own processor is off
    await replayThroughIntake(`/${id}/replay`, {});

    // Then the processing instance takes it well before its minute-long poll would have
    await waitFor('the replayed event to be processed again', () => processed(id), {
      timeoutMs: 10_000,
    });
  });

  it('processes a range replayed through another instance at once, not at its next poll', async () => {
    // Given an event processed, and the processor asleep again
    const id = await receive();
    await waitFor('the event to be processed', () => processed(id));

    // When an operator replays the last minute through the intake instance
    await replayThroughIntake('/replay', {
      from: new Date(Date.now() - 60_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
    });

    // Then the processing instance takes it well before its minute-long poll would have
    await waitFor('the replayed range to be processed again', () => processed(id), {
      timeoutMs: 10_000,
    });
  });
});
