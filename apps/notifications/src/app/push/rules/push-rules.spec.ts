import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PushRules, PushRulesError } from './push-rules';

const text = { en: { title: 'Hi', body: 'Order {{data.orderId}}' } };

describe('push rules, checked when the service starts', () => {
  it('sends, by default, a paid order, a shipped one and a failed payment', () => {
    const rules = PushRules.load(undefined);
    expect(rules.eventTypes.sort()).toEqual([
      'order.fulfilled',
      'order.paid',
      'order.payment_failed',
    ]);
  });

  it.each([
    [
      'an event that names no customer',
      [{ event: 'payment.failed', text }],
      /rules\.0\.event: payment\.failed does not name a customer.*order\.payment_failed/,
    ],
    [
      'an event type that does not exist',
      [{ event: 'order.teleported', text }],
      /"order\.teleported" is not an event type/,
    ],
    [
      'no text in the default locale',
      [{ event: 'order.paid', text: { fr: text.en } }],
      /no text for the default locale "en"/,
    ],
    [
      'two rules for one event type',
      [
        { event: 'order.paid', text },
        { event: 'order.paid', text },
      ],
      /a second rule for order\.paid/,
    ],
    [
      'a template that reads what the event lacks',
      [
        {
          event: 'order.fulfilled',
          text: { en: { title: 'Hi', body: 'Tracking {{data.trackingNumber}}' } },
        },
      ],
      /data\.trackingNumber, which the event does not have/,
    ],
  ])('refuses %s, saying where', (_given, rules, message) => {
    expect(() => PushRules.of({ rules }, 'rules.json')).toThrow(PushRulesError);
    expect(() => PushRules.of({ rules }, 'rules.json')).toThrow(message);
  });

  it('reads a rules file, and says so when it cannot', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'push-rules-'));
    const good = path.join(dir, 'rules.json');
    writeFileSync(good, JSON.stringify({ rules: [{ event: 'order.cancelled', text }] }));
    expect(PushRules.load(good).eventTypes).toEqual(['order.cancelled']);

    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{ rules: ');
    expect(() => PushRules.load(broken)).toThrow(/broken\.json are not valid: it is not JSON/);
    expect(() => PushRules.load(path.join(dir, 'missing.json'))).toThrow(
      /cannot read it.*PUSH_RULES_FILE/,
    );
  });
});
