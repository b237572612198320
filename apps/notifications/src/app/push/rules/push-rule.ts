import { EventCatalog, exampleDataOf, isEventType } from '@switchyard/contracts';
import { z } from 'zod';
import { compileTemplate, type PushTemplate } from './push-template';

const localeTag = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as "en" or "fr-CA"');

const Text = z.strictObject({
  title: z.string().min(1).max(200),
  body: z.string().min(1).max(1000),
});

/** One rule as configured: which event makes which push, in which languages. */
export const PushRuleConfig = z
  .strictObject({
    /** An event type whose data names the customer (`customerId`): the order events. */
    event: z.string(),
    /** Texts by language tag; `defaultLocale`'s is used when the device's language has none. */
    text: z.record(localeTag, Text),
    defaultLocale: localeTag.default('en'),
    /** Notifications with the same key replace each other on the device: one per order. */
    collapseKey: z.string().min(1).max(200).nullable().default('order-{{data.orderId}}'),
    /** Groups notifications on the device: one thread per order. */
    threadId: z.string().min(1).max(200).nullable().default('order-{{data.orderId}}'),
    priority: z.enum(['high', 'normal']).default('high'),
    /** How long the provider keeps trying an offline device; 0: only now. */
    ttlSeconds: z
      .number()
      .int()
      .min(0)
      .max(28 * 86_400)
      .default(86_400),
    /** Custom data for the app (FCM wants strings), as templates. */
    data: z
      .record(z.string().regex(/^[a-z][a-z0-9_]*$/i), z.string().max(500))
      .default({ orderId: '{{data.orderId}}', eventType: '{{type}}' }),
  })
  .superRefine((rule, ctx) => {
    if (!isEventType(rule.event)) {
      ctx.addIssue({
        code: 'custom',
        path: ['event'],
        message: `"${rule.event}" is not an event type (docs/events.md)`,
      });
      return;
    }
    if (!('customerId' in EventCatalog[rule.event].schema.shape)) {
      ctx.addIssue({
        code: 'custom',
        path: ['event'],
        message: `${rule.event} does not name a customer: push rules take order events (order.payment_failed rather than payment.failed)`,
      });
    }
    if (!Object.hasOwn(rule.text, rule.defaultLocale)) {
      ctx.addIssue({
        code: 'custom',
        path: ['text'],
        message: `has no text for the default locale "${rule.defaultLocale}"`,
      });
    }
  });
export type PushRuleConfig = z.infer<typeof PushRuleConfig>;

/** A rule ready to render: its templates compiled, checked against the event type's example. */
export interface PushRule {
  readonly event: string;
  readonly texts: ReadonlyMap<
    string,
    { readonly title: PushTemplate; readonly body: PushTemplate }
  >;
  readonly defaultLocale: string;
  readonly collapseKey: PushTemplate | null;
  readonly threadId: PushTemplate | null;
  readonly priority: 'high' | 'normal';
  readonly ttlSeconds: number;
  readonly data: ReadonlyMap<string, PushTemplate>;
}

export function compileRule(config: PushRuleConfig): PushRule {
  const rule: PushRule = {
    event: config.event,
    texts: new Map(
      Object.entries(config.text).map(([locale, text]) => [
        locale.toLowerCase(),
        { title: compileTemplate(text.title), body: compileTemplate(text.body) },
      ]),
    ),
    defaultLocale: config.defaultLocale.toLowerCase(),
    collapseKey: config.collapseKey === null ? null : compileTemplate(config.collapseKey),
    threadId: config.threadId === null ? null : compileTemplate(config.threadId),
    priority: config.priority,
    ttlSeconds: config.ttlSeconds,
    data: new Map(
      Object.entries(config.data).map(([key, source]) => [key, compileTemplate(source)]),
    ),
  };
  checkAgainstExample(rule);
  return rule;
}

/** Renders every template of the rule on the event type's example: a path it lacks throws now. */
function checkAgainstExample(rule: PushRule): void {
  if (!isEventType(rule.event)) return;
  const example = { type: rule.event, subject: 'example', data: exampleDataOf(rule.event) };
  const templates = [
    ...[...rule.texts.values()].flatMap((t) => [t.title, t.body]),
    ...(rule.collapseKey ? [rule.collapseKey] : []),
    ...(rule.threadId ? [rule.threadId] : []),
    ...rule.data.values(),
  ];
  for (const template of templates) template.render(example, rule.defaultLocale);
}
