import { patternsMatching } from './event-type-match';

describe('event type subscriptions', () => {
  it('match the exact type, its family wildcard and the catch-all', () => {
    expect(patternsMatching('order.paid')).toEqual(['order.paid', 'order.*', '*']);
  });

  it('do not let one family match another', () => {
    expect(patternsMatching('payment.succeeded')).not.toContain('order.*');
  });
});
