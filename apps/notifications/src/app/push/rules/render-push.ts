import { type DomainEvent } from '@switchyard/contracts';
import { type PushMessage } from '../push-message';
import { type PushRule } from './push-rule';

/**
 * The text for a device's locale: its own ("fr-CA"), else its language's ("fr"), else the rule's
 * default. Tags compare case-insensitively, as BCP 47 says.
 */
export function textFor(
  rule: PushRule,
  locale: string,
): { locale: string; text: NonNullable<ReturnType<PushRule['texts']['get']>> } {
  const wanted = locale.toLowerCase();
  const language = wanted.split('-')[0] ?? wanted;
  for (const candidate of [wanted, language, rule.defaultLocale]) {
    const text = rule.texts.get(candidate);
    if (text) return { locale: candidate, text };
  }
  throw new Error(
    `push rule for ${rule.event} has no text for its default locale ${rule.defaultLocale}`,
  );
}

/** The notification a rule makes of an event for a device in `locale`. */
export function renderPush(
  rule: PushRule,
  event: Pick<DomainEvent, 'id' | 'type' | 'subject' | 'data'>,
  locale: string,
  pushId: string,
  now: Date,
): PushMessage {
  const context = { id: event.id, type: event.type, subject: event.subject, data: event.data };
  const { text } = textFor(rule, locale);
  // Amounts are formatted in the device's own locale, even when the words fall back.
  const render = (template: { render: (e: Record<string, unknown>, l: string) => string }) =>
    template.render(context, locale);
  return {
    pushId,
    title: render(text.title),
    body: render(text.body),
    data: Object.fromEntries([...rule.data].map(([key, template]) => [key, render(template)])),
    collapseKey: rule.collapseKey && render(rule.collapseKey),
    threadId: rule.threadId && render(rule.threadId),
    priority: rule.priority,
    expiresAt: new Date(now.getTime() + rule.ttlSeconds * 1000),
  };
}
