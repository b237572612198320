import { EventTypes, topicOf } from './catalog';
import { type Topic } from './topics';

/**
 * Event-type patterns, as handlers and partner subscriptions write them: a type
 * ("order.paid"), a family ("order.*"), or every event ("*").
 */

/** The patterns that match an event type: the type itself, its family and "*". */
export function patternsMatching(eventType: string): string[] {
  const family = eventType.split('.')[0];
  return [eventType, `${family}.*`, '*'];
}

export function matchesEventPattern(pattern: string, eventType: string): boolean {
  return patternsMatching(eventType).includes(pattern);
}

/**
 * The topics that carry the event types a pattern matches. A pattern that matches no event of
 * the catalog is a mistake (a typo in a handler), named in the error.
 */
export function topicsOfPattern(pattern: string): Topic[] {
  const types = EventTypes.filter((type) => matchesEventPattern(pattern, type));
  if (types.length === 0) {
    throw new Error(
      `"${pattern}" matches no event type of the catalog: use a type ("order.paid"), a family ("order.*") or "*"`,
    );
  }
  return [...new Set(types.map(topicOf))];
}
