import fc from 'fast-check';
import { compileTemplate, MissingTemplateValueError } from './push-template';

const paid = {
  type: 'order.paid',
  subject: 'ord_1',
  data: { orderId: '0b9f6a2e-7c1d-4e8a-9f3b-2d6c5a4e1f00', amount: 3299, currency: 'usd' },
};

describe('push templates', () => {
  it('fills each placeholder from the event', () => {
    const template = compileTemplate('{{type}}: order {{ data.orderId }}');
    expect(template.render(paid, 'en')).toBe(
      'order.paid: order 0b9f6a2e-7c1d-4e8a-9f3b-2d6c5a4e1f00',
    );
    expect(template.paths).toEqual(['type', 'data.orderId']);
  });

  it.each([
    ['en', 'usd', 3299, '$32.99'],
    ['de', 'eur', 3299, '32,99\u00a0€'],
    ['ja', 'jpy', 3299, '￥3,299'],
  ])('formats minor units as money in the locale (%s, %s)', (locale, currency, amount, shown) => {
    const template = compileTemplate('{{data.amount | money:data.currency}}');
    expect(template.render({ data: { amount, currency } }, locale)).toBe(shown);
  });

  it('refuses to render a path the event does not have, naming it', () => {
    const template = compileTemplate('Hello {{data.customerName}}');
    expect(() => template.render(paid, 'en')).toThrow(MissingTemplateValueError);
    expect(() => template.render(paid, 'en')).toThrow(/data\.customerName/);
  });

  it('leaves text without placeholders as it is', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('{{')),
        (text) => compileTemplate(text).render(paid, 'en') === text,
      ),
    );
  });
});
