import Stripe from 'stripe';
import { FakeStripeApi, paymentIntentEvent, type FakeStripeEvent } from './fake-stripe-api';

const SECRET_KEY = 'sk_test_fake_stripe_api_spec';

describe('FakeStripeApi, driven by the real stripe package', () => {
  const fake = new FakeStripeApi({ secretKey: SECRET_KEY });
  let stripe: Stripe;
  let clientWithKey: (key: string) => Stripe;

  beforeAll(async () => {
    const { host, port, protocol } = await fake.start();
    clientWithKey = (key) =>
      new Stripe(key, { host, port, protocol, maxNetworkRetries: 0, telemetry: false });
    stripe = clientWithKey(SECRET_KEY);
  });

  afterAll(() => fake.stop());

  beforeEach(() => fake.reset());

  /** Runs `call`, which must fail, and returns the error the stripe package raised. */
  async function stripeError(call: () => Promise<unknown>): Promise<Stripe.errors.StripeError> {
    try {
      await call();
    } catch (err) {
      if (err instanceof Stripe.errors.StripeError) return err;
      throw err;
    }
    throw new Error('expected the stripe call to fail');
  }

  const orderParams = (orderId: string): Stripe.PaymentIntentCreateParams => ({
    amount: 4200,
    currency: 'eur',
    metadata: { order_id: orderId },
    automatic_payment_methods: { enabled: true },
  });

  describe('creating PaymentIntents', () => {
    it('returns a PaymentIntent shaped like Stripe’s for a create with an idempotency key', async () => {
      // Given a client pointed at the fake
      // When our code creates a PaymentIntent with its own idempotency key
      const pi = await stripe.paymentIntents.create(orderParams('o-1'), {
        idempotencyKey: 'order-o-1',
      });

      // Then it gets a fresh PaymentIntent with the values it asked for
      expect(pi).toMatchObject({
        object: 'payment_intent',
        amount: 4200,
        currency: 'eur',
        metadata: { order_id: 'o-1' },
        status: 'requires_payment_method',
        livemode: false,
        automatic_payment_methods: { enabled: true },
        amount_received: 0,
      });
      expect(pi.id).toMatch(/^pi_\w+$/);
      expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_\\w+$`));
      expect(Math.abs(pi.created - Date.now() / 1000)).toBeLessThan(5);
      expect(pi.lastResponse.statusCode).toBe(200);
      expect(pi.lastResponse.requestId).toMatch(/^req_/);
    });

    it('records the create as a form-encoded request carrying the metadata and the idempotency key', async () => {
      // Given a PaymentIntent created by our code
      await stripe.paymentIntents.create(orderParams('o-2'), { idempotencyKey: 'order-o-2' });

      // When a test looks at what the fake received
      const [request] = fake.requests;

      // Then it sees Stripe's wire format: bearer auth, form body with brackets, the key
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/v1/payment_intents');
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(request.headers['authorization']).toBe(`Bearer ${SECRET_KEY}`);
      expect(request.headers['idempotency-key']).toBe('order-o-2');
      expect(request.body).toContain('metadata[order_id]=o-2');
      expect(request.form).toEqual({
        amount: '4200',
        currency: 'eur',
        metadata: { order_id: 'o-2' },
        automatic_payment_methods: { enabled: 'true' },
      });
      expect(request.status).toBe(200);
    });

    it('returns the same PaymentIntent again, marked as replayed, for the same key and parameters', async () => {
      // Given a PaymentIntent created with a key
      const first = await stripe.paymentIntents.create(orderParams('o-3'), {
        idempotencyKey: 'order-o-3',
      });

      // When the same request is sent again with the same key
      const replay = await stripe.paymentIntents.create(orderParams('o-3'), {
        idempotencyKey: 'order-o-3',
      });

      // Then Stripe's answer is replayed instead of a second PaymentIntent being created
      expect(replay.id).toBe(first.id);
      expect(replay.client_secret).toBe(first.client_secret);
      expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
      expect(fake.listPaymentIntents()).toHaveLength(1);
    });

    it('fails with an idempotency error when a key is reused with different parameters', async () => {
      // Given a PaymentIntent created with a key
      await stripe.paymentIntents.create(orderParams('o-4'), { idempotencyKey: 'order-o-4' });

      // When the key is reused for a different amount
      const err = await stripeError(() =>
        stripe.paymentIntents.create(
          { ...orderParams('o-4'), amount: 9999 },
          { idempotencyKey: 'order-o-4' },
        ),
      );

      // Then the stripe package raises its idempotency error
      expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
      expect(err.rawType).toBe('idempotency_error');
      expect(err.statusCode).toBe(400);
      expect(err.message).toContain("'order-o-4'");
      expect(fake.listPaymentIntents()).toHaveLength(1);
    });

    it('refuses a create without an explicit idempotency key, even the one stripe-node invents', async () => {
      // Given that stripe-node sends `Idempotency-Key: stripe-node-retry-<uuid>` when we pass none
      // When our code forgets the idempotency key
      const err = await stripeError(() => stripe.paymentIntents.create(orderParams('o-5')));

      // Then the fake refuses the request and nothing is created
      expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(err.message).toMatch(/explicit Idempotency-Key/);
      expect(fake.requests[0].headers['idempotency-key']).toMatch(/^stripe-node-retry-/);
      expect(fake.listPaymentIntents()).toHaveLength(0);
    });

    it('refuses a create without an amount, naming the missing parameter like Stripe', async () => {
      // When our code leaves out the amount
      const params = { currency: 'eur' } as Stripe.PaymentIntentCreateParams;
      const err = await stripeError(() =>
        stripe.paymentIntents.create(params, { idempotencyKey: 'no-amount' }),
      );

      // Then the error says which parameter is missing
      expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(err).toMatchObject({ code: 'parameter_missing', param: 'amount' });
    });

    it('refuses parameters Stripe does not know', async () => {
      const params = { ...orderParams('o-6'), order_id: 'o-6' } as Stripe.PaymentIntentCreateParams;

      const err = await stripeError(() =>
        stripe.paymentIntents.create(params, { idempotencyKey: 'unknown-param' }),
      );

      expect(err).toMatchObject({ code: 'parameter_unknown', param: 'order_id' });
      expect(err.message).toBe('Received unknown parameter: order_id');
    });

    it('refuses a create whose body is not form-encoded', async () => {
      // When a request claims a JSON body, which Stripe's v1 API does not take
      const err = await stripeError(() =>
        stripe.rawRequest(
          'POST',
          '/v1/payment_intents',
          { amount: 100, currency: 'eur' },
          {
            idempotencyKey: 'json-body',
            additionalHeaders: { 'Content-Type': 'application/json' },
          },
        ),
      );

      // Then it is refused before anything is created
      expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(err.message).toMatch(/application\/x-www-form-urlencoded/);
      expect(fake.listPaymentIntents()).toHaveLength(0);
    });

    it('fails with an authentication error for a wrong API key', async () => {
      // Given a client with another secret key
      const wrong = clientWithKey('sk_test_not_the_expected_key');

      // When it calls the API
      const err = await stripeError(() =>
        wrong.paymentIntents.create(orderParams('o-7'), { idempotencyKey: 'order-o-7' }),
      );

      // Then the stripe package raises an authentication error, and the key is redacted
      expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(err.statusCode).toBe(401);
      expect(err.message).toMatch(/^Invalid API Key provided: sk_test_\*+_key$/);
      expect(fake.requests[0].status).toBe(401);
    });
  });

  describe('retrieving PaymentIntents', () => {
    it('returns a stored PaymentIntent by id', async () => {
      const created = await stripe.paymentIntents.create(orderParams('o-8'), {
        idempotencyKey: 'order-o-8',
      });

      const retrieved = await stripe.paymentIntents.retrieve(created.id);

      expect(retrieved.id).toBe(created.id);
      expect(retrieved.metadata).toEqual({ order_id: 'o-8' });
    });

    it('answers an unknown id with resource_missing', async () => {
      const err = await stripeError(() => stripe.paymentIntents.retrieve('pi_missing'));

      expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(err).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    });

    it('answers routes it does not implement with a Stripe-style 404', async () => {
      const err = await stripeError(() => stripe.customers.retrieve('cus_1'));

      expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(err.statusCode).toBe(404);
      expect(err.message).toMatch(/^Unrecognized request URL \(GET: \/v1\/customers\/cus_1\)/);
    });
  });

  describe('listing events', () => {
    const base = 1_760_000_000;

    /** 250 events, three per second, so that ties on `created` are common. */
    function addEvents(count: number): FakeStripeEvent[] {
      return Array.from({ length: count }, (_, i) =>
        fake.addEvent(
          paymentIntentEvent(
            i % 2 === 0 ? 'payment_intent.succeeded' : 'payment_intent.payment_failed',
            { id: `pi_${i}`, object: 'payment_intent', metadata: { order_id: `o-${i}` } },
            base + Math.floor(i / 3),
          ),
        ),
      );
    }

    /** Stripe's order: newest first, later-added first among equal `created`. */
    const newestFirst = (events: FakeStripeEvent[]) =>
      events
        .map((event, i) => ({ event, i }))
        .sort((a, b) => b.event.created - a.event.created || b.i - a.i)
        .map(({ event }) => event.id);

    it('walks all pages with autoPagingEach, returning every event exactly once, newest first', async () => {
      // Given 250 events in the fake
      const added = addEvents(250);

      // When our code auto-paginates with pages of 100
      const seen: string[] = [];
      await stripe.events.list({ created: { gte: base }, limit: 100 }).autoPagingEach((event) => {
        seen.push(event.id);
      });

      // Then it saw all of them once, in Stripe's order, over three pages
      expect(seen).toHaveLength(250);
      expect(new Set(seen).size).toBe(250);
      expect(seen).toEqual(newestFirst(added));
      const pages = fake.requests.filter((r) => r.path === '/v1/events');
      expect(pages).toHaveLength(3);
      expect(pages[0].query).toEqual({ created: { gte: String(base) }, limit: '100' });
      expect(pages[1].query.starting_after).toBe(seen[99]);
      expect(pages[2].query.starting_after).toBe(seen[199]);
    });

    it('walks all pages with for await and the default page size', async () => {
      const added = addEvents(250);

      const seen: string[] = [];
      for await (const event of stripe.events.list()) seen.push(event.id);

      expect(seen).toEqual(newestFirst(added));
      expect(fake.requests).toHaveLength(25);
    });

    it('returns only the events created at or after created[gte]', async () => {
      // Given 250 events, the last ten of which were created at base + 80 or later
      const added = addEvents(250);

      // When our code lists from base + 80 on
      const seen = await stripe.events
        .list({ created: { gte: base + 80 } })
        .autoPagingToArray({ limit: 1000 });

      // Then it gets exactly those, newest first
      expect(seen.map((e) => e.id)).toEqual(
        newestFirst(added.filter((e) => e.created >= base + 80)),
      );
      expect(seen).toHaveLength(10);
      expect(fake.requests[0].query).toEqual({ created: { gte: String(base + 80) } });
    });

    it('filters on created[gte] and created[lt] given in bracket form', async () => {
      // Given events over ~84 seconds
      const added = addEvents(250);

      // When our code asks for a window of ten seconds
      const seen = await stripe.events
        .list({ created: { gte: base + 10, lt: base + 20 }, limit: 7 })
        .autoPagingToArray({ limit: 1000 });

      // Then it gets exactly the events of that window (three per second)
      const expected = added.filter((e) => e.created >= base + 10 && e.created < base + 20);
      expect(seen).toHaveLength(30);
      expect(seen.map((e) => e.id)).toEqual(newestFirst(expected));
      expect(fake.requests[0].query.created).toEqual({
        gte: String(base + 10),
        lt: String(base + 20),
      });
    });

    it('pages toward newer events with ending_before, as stripe-node iterates it', async () => {
      // Given 250 events
      const added = addEvents(250);
      const order = newestFirst(added);
      const oldest = order[order.length - 1];

      // When our code auto-paginates backwards from the oldest event
      const seen = await stripe.events
        .list({ ending_before: oldest, limit: 40 })
        .autoPagingToArray({ limit: 1000 });

      // Then it gets every newer event once, oldest first
      expect(seen.map((e) => e.id)).toEqual(order.slice(0, -1).reverse());
    });

    it('filters on event types', async () => {
      addEvents(30);

      const seen = await stripe.events
        .list({ types: ['payment_intent.succeeded'], limit: 4 })
        .autoPagingToArray({ limit: 100 });

      expect(seen).toHaveLength(15);
      expect(seen.every((e) => e.type === 'payment_intent.succeeded')).toBe(true);
    });

    it('refuses a limit above 100 and an unknown cursor', async () => {
      addEvents(3);

      const tooMany = await stripeError(() => stripe.events.list({ limit: 101 }));
      const unknown = await stripeError(() => stripe.events.list({ starting_after: 'evt_nope' }));

      expect(tooMany).toMatchObject({ statusCode: 400, param: 'limit' });
      expect(unknown).toMatchObject({ statusCode: 400, code: 'resource_missing' });
    });

    it('returns a stored event by id with its PaymentIntent inside', async () => {
      const [event] = addEvents(1);

      const retrieved = await stripe.events.retrieve(event.id);

      expect(retrieved).toMatchObject({
        id: event.id,
        object: 'event',
        type: 'payment_intent.succeeded',
        data: { object: { id: 'pi_0', metadata: { order_id: 'o-0' } } },
      });
    });
  });
});
