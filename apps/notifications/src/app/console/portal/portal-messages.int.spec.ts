import { createEvent, type DomainEvent, Topics } from '@switchyard/contracts';
import { ScriptedReceiver, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { ConsoleClient, csrfOf } from '../../../testing/console-client.test-helper';
import {
  ADMIN_TOKEN,
  type NotificationsTestApp,
  startNotificationsApp,
} from '../../../testing/notifications-app.test-helper';

const UNAVAILABLE = { kind: 'status', status: 503, body: 'down for maintenance' } as const;
const ACCEPTED = { kind: 'status', status: 204 } as const;

interface Partner {
  readonly id: string;
  readonly endpointId: string;
}

/** The message ids a log page lists, in the order shown. */
function listed(html: string): string[] {
  return [...html.matchAll(/data-message="([^"]+)"/g)].map((m) => m[1] ?? '');
}

describe("a partner's messages in the portal (real Postgres and Kafka)", () => {
  let t: NotificationsTestApp;
  let receiver: ScriptedReceiver;
  let a: Partner;
  let b: Partner;
  /** A's order events: two given up on (the receiver was down), one delivered. */
  let failedFirst: { event: DomainEvent; messageId: string };
  let failedSecond: { event: DomainEvent; messageId: string };
  let delivered: { event: DomainEvent; messageId: string };
  /** B's payment event, delivered. */
  let ofB: { event: DomainEvent; messageId: string };
  let startedAt: Date;

  async function partnerWith(path: string, eventTypes: string[]): Promise<Partner> {
    const partner = await t.api(ADMIN_TOKEN, 'POST', '/v1/partners', { name: `P ${path}` });
    const endpoint = await t.createEndpoint(partner.body['apiKey'] as string, {
      url: receiver.url(path),
      eventTypes,
    });
    return { id: partner.body['id'] as string, endpointId: endpoint.id };
  }

  /** A partner's browser, in its portal through a fresh link from the admin API. */
  async function portal(partner: Partner, capability = 'manage'): Promise<ConsoleClient> {
    const link = await t.api(ADMIN_TOKEN, 'POST', `/v1/partners/${partner.id}/portal-links`, {
      capability,
    });
    const client = new ConsoleClient(t.url);
    expect((await client.enter(link.body['url'] as string)).status).toBe(303);
    return client;
  }

  async function publishOrder(reason: string): Promise<DomainEvent> {
    const orderId = randomUUID();
    const event = createEvent('order.cancelled', orderId, { orderId, reason });
    await t.publisher.sendBatch([
      {
        topic: `${t.kafkaPrefix}${Topics.ordersEvents}`,
        messages: [{ key: orderId, value: JSON.stringify(event) }],
      },
    ]);
    return event;
  }

  async function settled(event: DomainEvent, partner: Partner, status: string) {
    await waitFor(`${event.type} ${event.id} to be ${status}`, async () => {
      const delivery = await t.deliveryOf(event.id, partner.endpointId);
      return delivery?.status === status;
    });
    return { event, messageId: await t.messageOf(event.id) };
  }

  beforeAll(async () => {
    // The circuit stays shut: a receiver down for a few attempts is what these pages are for
    t = await startNotificationsApp('portal_messages', { DELIVERY_BREAKER_THRESHOLD: '100' });
    receiver = new ScriptedReceiver();
    await receiver.start();
    a = await partnerWith('/a', ['order.*']);
    b = await partnerWith('/b', ['payment.succeeded']);
    startedAt = new Date(Date.now() - 1000);

    // A's receiver is down for two orders, then up for a third; B's takes its payment
    receiver.always('/a', UNAVAILABLE);
    // One after the other: on separate partitions two events could be taken in either order
    failedFirst = await settled(await publishOrder('<b>late</b>'), a, 'failed');
    failedSecond = await settled(await publishOrder('second'), a, 'failed');
    receiver.always('/a', ACCEPTED);
    delivered = await settled(await publishOrder('third'), a, 'succeeded');
    ofB = await settled(await t.publishPayment(1200), b, 'succeeded');
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  describe('the log', () => {
    it("lists the partner's messages newest first, each with its deliveries", async () => {
      // Given partner A in its portal
      const client = await portal(a);

      // When it opens its message log
      const page = await client.get('/portal/messages');

      // Then its three messages are listed newest first, with where each delivery stands
      expect(page.status).toBe(200);
      expect(listed(page.html)).toEqual([
        delivered.messageId,
        failedSecond.messageId,
        failedFirst.messageId,
      ]);
      expect(page.html).toContain(`href="/portal/messages/${failedFirst.messageId}"`);
      expect(page.html).toContain(failedFirst.event.id);
      expect(page.html).toContain(receiver.url('/a'));
      expect(page.html.match(/data-status="failed"/g)).toHaveLength(2);
    });

    it('narrows the log by status, event id, event type and time, from the URL', async () => {
      // Given partner A in its portal
      const client = await portal(a);
      const later = new Date(Date.now() + 60_000).toISOString().slice(0, 19);
      const since = startedAt.toISOString().slice(0, 19);

      // When it filters the log in the URL, Then only the messages that match are listed
      const shown = async (query: string) => {
        const page = await client.get(`/portal/messages?${query}`);
        expect(page.status).toBe(200);
        return listed(page.html);
      };
      await expect(shown('status=failed')).resolves.toEqual([
        failedSecond.messageId,
        failedFirst.messageId,
      ]);
      await expect(shown('status=succeeded')).resolves.toEqual([delivered.messageId]);
      await expect(shown('status=pending')).resolves.toEqual([]);
      await expect(shown(`eventId=${failedFirst.event.id}`)).resolves.toEqual([
        failedFirst.messageId,
      ]);
      await expect(shown('eventType=order.cancelled&status=succeeded')).resolves.toEqual([
        delivered.messageId,
      ]);
      await expect(shown('eventType=payment.succeeded')).resolves.toEqual([]);
      await expect(shown(`since=${later}`)).resolves.toEqual([]);
      await expect(shown(`since=${since}&until=${later}&status=failed`)).resolves.toHaveLength(2);
      // And empty fields, as the form sends them, filter nothing
      await expect(shown('status=&eventType=&eventId=&since=&until=')).resolves.toHaveLength(3);
    });

    it('re-renders the log with the problem for filters that cannot be, answering 400', async () => {
      // Given partner A in its portal
      const client = await portal(a);

      for (const [query, problem] of [
        ['status=bogus', 'status:'],
        ['eventId=not-an-id', 'eventId: must be an event id'],
        ['since=yesterday', 'since: must be a date and time'],
        ['since=2026-02-30T10:00', 'since: must be a date and time'],
        ['since=2026-03-02T10:00&until=2026-03-01T10:00', 'since: must be before'],
        ['cursor=garbage', 'cursor: must be a link from this page'],
      ] as const) {
        // When a filter is not one the log can take
        const page = await client.get(`/portal/messages?${query}`);

        // Then the log page answers 400 with the problem, and lists nothing
        expect(page.status).toBe(400);
        expect(page.html).toContain('role="alert"');
        expect(page.html).toContain(problem);
        expect(listed(page.html)).toEqual([]);
      }
    });
  });

  describe('a message', () => {
    it('shows the event escaped and every attempt, newest first, with status and response', async () => {
      // Given partner A in its portal
      const client = await portal(a);

      // When it opens a message its receiver refused three times
      const page = await client.get(`/portal/messages/${failedFirst.messageId}`);

      // Then the event is shown as JSON, its markup escaped
      expect(page.status).toBe(200);
      expect(page.html).toContain('&quot;reason&quot;: &quot;&lt;b&gt;late&lt;/b&gt;&quot;');
      expect(page.html).not.toContain('<b>late</b>');
      // And each attempt with the endpoint's answer, newest first
      const attempts = [...page.html.matchAll(/data-attempt="(\d+)" data-outcome="(\w+)"/g)];
      expect(attempts.map((m) => m[2])).toEqual(['failed', 'failed', 'failed']);
      const ids = attempts.map((m) => Number(m[1]));
      expect(ids).toEqual([...ids].sort((x, y) => y - x));
      expect(page.html.match(/data-testid="status-code">503</g)).toHaveLength(3);
      expect(page.html).toContain('down for maintenance');
    });

    it('sends a message again to the endpoint, and the new attempt succeeds', async () => {
      // Given partner A in its portal, on a failed message, its receiver up again
      const client = await portal(a);
      const page = await client.get(`/portal/messages/${failedFirst.messageId}`);
      expect(page.html).toContain('>Resend</button>');

      // When it resends the message to its endpoint
      const resent = await client.post(`/portal/messages/${failedFirst.messageId}/resend`, {
        _csrf: csrfOf(page.html),
        endpointId: a.endpointId,
      });

      // Then it is taken back to the message, and the delivery succeeds
      expect(resent.status).toBe(303);
      expect(resent.headers.get('location')).toBe(
        `/portal/messages/${failedFirst.messageId}?resent=1`,
      );
      await settled(failedFirst.event, a, 'succeeded');
      const after = await client.get(`/portal/messages/${failedFirst.messageId}?resent=1`);
      expect(after.html).toContain('data-testid="resent"');
      expect(after.html).toMatch(/data-outcome="succeeded"[\s\S]*data-testid="status-code">204</);
    });

    it('recovers every delivery that failed since a time, and says how many', async () => {
      // Given partner A in its portal, with one message still failed
      const client = await portal(a);
      const log = await client.get('/portal/messages');
      const since = startedAt.toISOString().slice(0, 16);

      // When a time that is not one is posted, nothing is scheduled and the problem is shown
      const bad = await client.post('/portal/messages/recover', {
        _csrf: csrfOf(log.html),
        since: 'last tuesday',
      });
      expect(bad.status).toBe(400);
      expect(bad.html).toContain('since: must be a date and time');
      expect((await t.deliveryOf(failedSecond.event.id, a.endpointId))?.status).toBe('failed');

      // When it recovers the failed deliveries since before they were made
      const recovered = await client.post('/portal/messages/recover', {
        _csrf: csrfOf(log.html),
        since,
      });

      // Then the one failed delivery is scheduled again, and goes through
      expect(recovered.status).toBe(201);
      expect(recovered.html).toContain('1 failed delivery scheduled again.');
      await settled(failedSecond.event, a, 'succeeded');
    });
  });

  describe("one partner's messages are not another's", () => {
    it("shows B none of A's messages, whatever the filter", async () => {
      // Given partner B in its portal
      const client = await portal(b);

      // When it lists its messages, even asking for A's event by id
      const all = await client.get('/portal/messages');
      const byId = await client.get(`/portal/messages?eventId=${delivered.event.id}`);

      // Then only its own message is there
      expect(listed(all.html)).toEqual([ofB.messageId]);
      expect(listed(byId.html)).toEqual([]);
      expect(all.html).not.toContain(receiver.url('/a'));
    });

    it("answers B 404 for A's message and its resend, and A 404 for B's, as for none", async () => {
      // Given both partners in their portals
      const [asA, asB] = [await portal(a), await portal(b)];
      const csrfB = csrfOf((await asB.get('/portal/messages')).html);

      // When each asks for the other's message, or B resends A's
      const answers = [
        await asB.get(`/portal/messages/${delivered.messageId}`),
        await asA.get(`/portal/messages/${ofB.messageId}`),
        await asB.post(`/portal/messages/${delivered.messageId}/resend`, {
          _csrf: csrfB,
          endpointId: a.endpointId,
        }),
        await asB.post(`/portal/messages/${ofB.messageId}/resend`, {
          _csrf: csrfB,
          endpointId: a.endpointId,
        }),
        await asA.get('/portal/messages/not-a-message'),
        await asA.get(`/portal/messages/msg_${randomUUID()}`),
      ];

      // Then every one is the same not-found page
      for (const answer of answers) {
        expect(answer.status).toBe(404);
        expect(answer.html).toContain('There is no such page');
        expect(answer.html).not.toContain(delivered.event.id);
      }
      expect((await t.deliveryOf(delivered.event.id, a.endpointId))?.attempts).toBe(1);
    });
  });

  it('lets a read-only portal see messages but neither resend nor recover', async () => {
    // Given partner A in its portal through a read-only link
    const client = await portal(a, 'read');

    // When it opens a message and its log
    const page = await client.get(`/portal/messages/${delivered.messageId}`);
    const log = await client.get('/portal/messages');

    // Then no change is offered
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('>Resend</button>');
    expect(log.html).not.toContain('Recover failed');

    // And posting anyway is refused, with nothing sent again
    const resend = await client.post(`/portal/messages/${delivered.messageId}/resend`, {
      _csrf: csrfOf(page.html),
      endpointId: a.endpointId,
    });
    const recover = await client.post('/portal/messages/recover', {
      _csrf: csrfOf(log.html),
      since: '2020-01-01T00:00',
    });
    expect(resend.status).toBe(403);
    expect(recover.status).toBe(403);
    expect(resend.html).toContain('read_only_portal');
    expect((await t.deliveryOf(delivered.event.id, a.endpointId))?.attempts).toBe(1);
  });
});
