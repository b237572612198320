import {
  APNS_TOPIC,
  chargeRefundedEvent,
  type FakeStripeApi,
  type PartnerSink,
  paymentIntentEvent,
  type PushFakes,
  type ServiceProcess,
  waitFor,
} from '@switchyard/testing';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Stripe from 'stripe';

/** A value that must never reach a log line, and what it is (for the failure message). */
export interface Secret {
  readonly what: string;
  readonly value: string;
}

export interface SecretsFlowParties {
  readonly orders: ServiceProcess;
  readonly payments: ServiceProcess;
  readonly notifications: ServiceProcess;
  readonly stripeApi: FakeStripeApi;
  /** A partner endpoint that answers 204. */
  readonly sink: PartnerSink;
  /** A partner endpoint that answers 500 to everything. */
  readonly failingSink: PartnerSink;
  readonly adminToken: string;
  readonly stripeWebhookSecret: string;
  /** Fake APNs and FCM notifications pushes to, and the shop's devices API token. */
  readonly push: { readonly fakes: PushFakes; readonly devicesToken: string };
}

/** The customer the flow's order is for: their phones get its pushes. */
const CUSTOMER = 'cus_logs';

/** A card's details as a Stripe charge carries them, made unique to this run. */
function cardDetails() {
  const marker = randomBytes(6).toString('hex');
  return {
    fingerprint: `fp${marker}card`,
    cardholder: `Cardholder ${marker}`,
    email: `card.${marker}@example.com`,
  };
}

const stripe = new Stripe('sk_test_unused_for_signing');

/**
 * Everything Switchyard does with secrets, the failures included (forged and malformed Stripe
 * signatures, wrong admin tokens and API keys, a Stripe outage, a partner endpoint that fails),
 * each once. `secrets` collects every secret value that went over the wire, to be looked for in
 * the logs.
 */
export class SecretsFlow {
  readonly secrets: Secret[] = [];
  private readonly card = cardDetails();

  constructor(private readonly parties: SecretsFlowParties) {
    this.keep('the Stripe webhook signing secret', parties.stripeWebhookSecret);
    this.keep('the admin token', parties.adminToken);
    this.keep("a charge's card fingerprint", this.card.fingerprint);
    this.keep("a charge's cardholder name", this.card.cardholder);
    this.keep("a charge's billing email", this.card.email);
    // Field names, not values: found whether a payload is logged as an object or as a string.
    this.keep("a charge's card last4", 'last4');
    this.keep("a charge's payment method details", 'payment_method_details');
    const { env } = parties.push.fakes;
    this.keep('the devices API token', parties.push.devicesToken);
    this.keep('the APNs signing key', pemBody(readFileSync(env['APNS_KEY_FILE'] ?? '', 'utf8')));
    this.keep(
      "the FCM service account's private key",
      pemBody(
        (
          JSON.parse(readFileSync(env['FCM_SERVICE_ACCOUNT_FILE'] ?? '', 'utf8')) as {
            private_key: string;
          }
        ).private_key,
      ),
    );
  }

  async run(): Promise<void> {
    await this.refuseWrongAdminToken();
    const apiKey = await this.createPartner();
    await this.refuseWrongApiKey();
    await this.createEndpoint(apiKey, this.parties.sink);
    await this.createEndpoint(apiKey, this.parties.failingSink);
    await this.refuseForgedStripeSignatures();
    const phones = await this.registerPhones();
    const orderId = await this.placeOrderThroughAStripeOutage();
    const paymentIntent = await this.paymentIntentOf(orderId);
    await this.refuseSignedBodiesThatAreNotEvents(paymentIntent);
    await this.sendSigned(paymentIntentEvent('payment_intent.succeeded', paymentIntent));
    await this.sendSigned(this.refundOfTheCharge(paymentIntent));
    await this.waitForDeliveries(orderId);
    await this.waitForPushes(phones);
    await this.listMessagesWithApiKey(apiKey);
  }

  /**
   * The customer's iPhone and Android phone, registered by the shop's backend (a wrong devices
   * token refused first); their tokens are kept too.
   */
  private async registerPhones(): Promise<{ iphone: string; android: string }> {
    const { notifications, push } = this.parties;
    const iphone = randomBytes(32).toString('hex');
    const android = `${randomBytes(11).toString('base64url')}:APA91b${randomBytes(90).toString('base64url')}`;
    const register = (token: string, device: Record<string, string>) =>
      fetch(`${notifications.url}/v1/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ customerId: CUSTOMER, ...device }),
      });
    this.keep("a phone's APNs device token", iphone);
    this.keep("a phone's FCM registration token", android);
    const wrongToken = `devices-wrong-${randomBytes(12).toString('hex')}`;
    this.keep('a wrong devices API token', wrongToken);
    const apnsDevice = { platform: 'apns', token: iphone, app: APNS_TOPIC, environment: 'sandbox' };
    if ((await register(wrongToken, apnsDevice)).status !== 401)
      throw new Error('a wrong devices token was not refused');
    await ok(await register(push.devicesToken, apnsDevice));
    await ok(
      await register(push.devicesToken, {
        platform: 'fcm',
        token: android,
        app: push.fakes.firebaseProject,
      }),
    );
    return { iphone, android };
  }

  /** order.paid reaches both phones; the provider tokens the pushes carried are kept. */
  private async waitForPushes({ iphone, android }: { iphone: string; android: string }) {
    const { fakes } = this.parties.push;
    await waitFor(
      'both phones to be pushed order.paid',
      () => fakes.apns.delivered(iphone).length > 0 && fakes.fcm.receivedBy(android).length > 0,
      { timeoutMs: 30_000 },
    );
    for (const jwt of fakes.apns.received.map((n) => n.jwt)) {
      if (jwt) this.keep('an APNs provider token', jwt);
    }
    for (const token of fakes.oauth.issuedTokens()) this.keep('an FCM access token', token);
  }

  private keep(what: string, value: string): void {
    this.secrets.push({ what, value });
  }

  private async refuseWrongAdminToken(): Promise<void> {
    const wrong = `wrong-admin-token-${randomBytes(12).toString('hex')}`;
    this.keep('a wrong admin token', wrong);
    const response = await this.createPartnerWith(wrong);
    expect(response.status).toBe(401);
  }

  private async createPartner(): Promise<string> {
    const { apiKey } = await ok<{ apiKey: string }>(
      await this.createPartnerWith(this.parties.adminToken),
    );
    this.keep("a partner's API key", apiKey);
    return apiKey;
  }

  private createPartnerWith(token: string): Promise<Response> {
    return fetch(`${this.parties.notifications.url}/v1/partners`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Acme Logs' }),
    });
  }

  private async refuseWrongApiKey(): Promise<void> {
    const wrong = `sk_wrong_${randomBytes(16).toString('hex')}`;
    this.keep('a wrong partner API key', wrong);
    const response = await fetch(`${this.parties.notifications.url}/v1/endpoints`, {
      headers: { authorization: `Bearer ${wrong}` },
    });
    expect(response.status).toBe(401);
  }

  private async createEndpoint(apiKey: string, sink: PartnerSink): Promise<void> {
    const url = await sink.start();
    const { id, secret } = await ok<{ id: string; secret: string }>(
      await fetch(`${this.parties.notifications.url}/v1/endpoints`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url, eventTypes: ['order.paid', 'order.refunded'] }),
      }),
    );
    this.keep("an endpoint's signing secret", secret);
    sink.useSecret(secret);
    // Reading the secret back is a request whose answer carries it.
    await ok(
      await fetch(`${this.parties.notifications.url}/v1/endpoints/${id}/secret`, {
        headers: { authorization: `Bearer ${apiKey}` },
      }),
    );
  }

  private async refuseForgedStripeSignatures(): Promise<void> {
    const somePayment = { id: 'pi_forged', amount: 100, currency: 'usd', metadata: {} };
    const payload = JSON.stringify({ id: 'evt_forged', charge: this.chargeOf(somePayment) });
    const forged = stripe.webhooks.generateTestHeaderString({
      payload,
      secret: `whsec_forged_${randomBytes(12).toString('hex')}`,
    });
    this.keep('a forged Stripe-Signature header', forged);
    expect((await this.postToStripeWebhook(payload, forged)).status).toBe(400);
    const malformed = `t=1,v1=malformed${randomBytes(12).toString('hex')}`;
    this.keep('a malformed Stripe-Signature header', malformed);
    expect((await this.postToStripeWebhook(payload, malformed)).status).toBe(400);
  }

  /**
   * Stripe answers 503 four times: the Stripe client gives up after three tries, payments holds
   * the order event as an outage (an error path, logged) and retries it, and the retry gets
   * through.
   */
  private async placeOrderThroughAStripeOutage(): Promise<string> {
    this.parties.stripeApi.failNext(4);
    const order = await ok<{ id: string }>(
      await fetch(`${this.parties.orders.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          customerId: CUSTOMER,
          currency: 'usd',
          lines: [{ sku: 'mug-blue', quantity: 2, unitPrice: 1250 }],
        }),
      }),
    );
    return order.id;
  }

  /** The PaymentIntent payments created, as Stripe reports it once the payment succeeded. */
  private async paymentIntentOf(orderId: string): Promise<Record<string, unknown>> {
    const payment = await waitFor(
      'payments to create the PaymentIntent',
      async () => {
        const response = await fetch(`${this.parties.payments.url}/payments/${orderId}`);
        return response.ok ? ((await response.json()) as { paymentIntentId: string }) : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const created = this.parties.stripeApi.getPaymentIntent(payment.paymentIntentId);
    if (!created) throw new Error(`the fake Stripe API has no ${payment.paymentIntentId}`);
    this.keep("a PaymentIntent's client secret", created.client_secret);
    return { ...created, status: 'succeeded', amount_received: created.amount };
  }

  /** charge.refunded for the PaymentIntent, its charge carrying this run's card details. */
  private refundOfTheCharge(paymentIntent: Record<string, unknown>) {
    const refund = chargeRefundedEvent(paymentIntent);
    return { ...refund, data: { object: this.chargeOf(paymentIntent) } };
  }

  /**
   * The PaymentIntent's charge as Stripe's fixture has it (payment method details, billing
   * details, last4 4242), with this run's fingerprint, cardholder and email.
   */
  private chargeOf(paymentIntent: Record<string, unknown>): Record<string, unknown> {
    const charge = chargeRefundedEvent(paymentIntent).data.object;
    const details = charge['payment_method_details'] as { card: Record<string, unknown> };
    const billing = charge['billing_details'] as Record<string, unknown>;
    const { fingerprint, cardholder, email } = this.card;
    return {
      ...charge,
      payment_method: `pm_${fingerprint}`,
      billing_details: { ...billing, name: cardholder, email },
      payment_method_details: { ...details, card: { ...details.card, fingerprint } },
    };
  }

  /** Signed correctly, refused for what they carry: the rejection must not quote the body. */
  private async refuseSignedBodiesThatAreNotEvents(
    paymentIntent: Record<string, unknown>,
  ): Promise<void> {
    const charge = this.chargeOf(paymentIntent);
    expect((await this.postSigned(JSON.stringify({ object: charge }))).status).toBe(400);
    expect((await this.postSigned(`{"object": ${JSON.stringify(charge)}, cut`)).status).toBe(400);
  }

  private async sendSigned(event: object): Promise<void> {
    const response = await this.postSigned(JSON.stringify(event));
    expect(response.status).toBe(200);
  }

  private postSigned(payload: string): Promise<Response> {
    const signature = stripe.webhooks.generateTestHeaderString({
      payload,
      secret: this.parties.stripeWebhookSecret,
    });
    this.keep('a valid Stripe-Signature header', signature);
    return this.postToStripeWebhook(payload, signature);
  }

  private postToStripeWebhook(payload: string, signature: string): Promise<Response> {
    return fetch(`${this.parties.payments.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    });
  }

  /**
   * order.paid and order.refunded reach the working endpoint, and the failing one is tried for
   * both, retries included. Every webhook-signature sent is kept.
   */
  private async waitForDeliveries(orderId: string): Promise<void> {
    const { sink, failingSink } = this.parties;
    await waitFor(
      'the partner to receive order.paid and order.refunded',
      () => sink.received.filter((w) => w.body.includes(orderId)).length >= 2,
      { timeoutMs: 30_000 },
    );
    await waitFor(
      'the failing endpoint to be tried for both events, retries included',
      () => failingSink.received.filter((w) => w.answered === 500).length >= 4,
      { timeoutMs: 30_000 },
    );
    for (const webhook of [...sink.received, ...failingSink.received]) {
      const signature = webhook.headers['webhook-signature'];
      if (typeof signature !== 'string') throw new Error('a webhook came without a signature');
      this.keep('a webhook-signature a partner received', signature);
    }
  }

  private async listMessagesWithApiKey(apiKey: string): Promise<void> {
    const { data } = await ok<{ data: { id: string }[] }>(
      await fetch(`${this.parties.notifications.url}/v1/messages?eventType=order.paid`, {
        headers: { authorization: `Bearer ${apiKey}` },
      }),
    );
    expect(data.length).toBeGreaterThan(0);
  }
}

async function ok<T = unknown>(response: Response): Promise<T> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status} ${response.url}: ${text}`);
  return JSON.parse(text) as T;
}

/**
 * 64 characters of a PEM's key material, from past the ASN.1 header every key of its kind shares,
 * on one line: found in a log line whatever the line breaks of the leak.
 */
function pemBody(pem: string): string {
  return pem
    .replace(/-----[A-Z ]+-----/g, '')
    .replace(/\s+/g, '')
    .slice(64, 128);
}
