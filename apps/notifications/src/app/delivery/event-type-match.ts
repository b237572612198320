/**
 * The subscription patterns that match an event type: the type itself, its family
 * ("order.*") and "*". Endpoints store patterns; fan-out looks them up with this list.
 */
export function patternsMatching(eventType: string): string[] {
  const family = eventType.split('.')[0];
  return [eventType, `${family}.*`, '*'];
}
