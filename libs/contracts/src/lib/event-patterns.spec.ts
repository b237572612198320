import { Topics } from './topics';
import { matchesEventPattern, patternsMatching, topicsOfPattern } from './event-patterns';

describe('event-type patterns', () => {
  it('lists the type, its family and "*" as the patterns that match a type', () => {
    expect(patternsMatching('order.paid')).toEqual(['order.paid', 'order.*', '*']);
  });

  it.each([
    ['order.paid', 'order.paid', true],
    ['order.*', 'order.paid', true],
    ['*', 'payment.failed', true],
    ['order.*', 'payment.failed', false],
    ['order.paid', 'order.created', false],
    ['order', 'order.paid', false],
  ])('%s matches %s: %s', (pattern, type, expected) => {
    expect(matchesEventPattern(pattern, type)).toBe(expected);
  });

  it('finds the topics a pattern needs', () => {
    expect(topicsOfPattern('payment.succeeded')).toEqual([Topics.paymentsEvents]);
    expect(topicsOfPattern('order.*')).toEqual([Topics.ordersEvents]);
    expect(topicsOfPattern('*').sort()).toEqual([Topics.ordersEvents, Topics.paymentsEvents]);
  });

  it('refuses a pattern that matches no event, naming it', () => {
    expect(() => topicsOfPattern('order.payed')).toThrow(/"order.payed" matches no event type/);
    expect(() => topicsOfPattern('shipment.*')).toThrow(/"shipment.\*" matches no event type/);
  });
});
