import { LARGEST_STRIPE_AMOUNT, maxChargeableAmount } from './chargeable-amount';

describe('the most Stripe can charge for an order', () => {
  it.each(['usd', 'eur', 'gbp', 'chf', 'kwd'])(
    'is 99,999,999 minor units (8 digits) in %s, as in most currencies',
    (currency) => {
      // Given a currency without an exception, When its maximum is asked, Then it is 8 digits
      expect(maxChargeableAmount(currency)).toBe(99_999_999);
    },
  );

  it('is 99,999,999 yen in jpy, a zero-decimal currency, whatever the payment method', () => {
    // Given yen, which has no minor unit (and 8 digits for JCB, Diners and Discover in Japan)
    // When its maximum is asked
    const maximum = maxChargeableAmount('jpy');

    // Then it is 8 digits of whole yen
    expect(maximum).toBe(99_999_999);
  });

  it.each(['idr', 'cop', 'inr'])(
    'is 999,999,999 (9 digits, the American Express limit) in %s, where every method takes 9 digits',
    (currency) => {
      // Given a currency Stripe lets charge more than 8 digits
      // When its maximum is asked
      const maximum = maxChargeableAmount(currency);

      // Then it is the most every payment method accepts
      expect(maximum).toBe(999_999_999);
    },
  );

  it('reads the currency in either case', () => {
    // Given an upper-case code, When its maximum is asked, Then it is the lower-case one's
    expect(maxChargeableAmount('IDR')).toBe(maxChargeableAmount('idr'));
  });

  it('is never more than the largest amount Stripe charges anywhere', () => {
    // Given every currency with a maximum of its own
    const maximums = ['usd', 'jpy', 'idr', 'cop', 'inr'].map(maxChargeableAmount);

    // Then none exceeds 12 digits, and that bound is a safe integer
    expect(Math.max(...maximums)).toBeLessThan(LARGEST_STRIPE_AMOUNT);
    expect(Number.isSafeInteger(LARGEST_STRIPE_AMOUNT)).toBe(true);
  });
});
