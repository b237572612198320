/**
 * How much Stripe can charge in one payment, in the currency's smallest unit (cents for usd,
 * yen for jpy: zero-decimal currencies count whole units, three-decimal ones thousandths).
 *
 * Source: Stripe, "Supported currencies", section "Minimum and maximum charge amounts"
 * (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). Stripe limits the
 * number of digits of `amount`:
 * - card payments: 12 digits for most cards, 9 for American Express in most currencies
 *   (and 8, 99,999,999 JPY, for JCB, Diners Club and Discover from Japanese accounts);
 * - other payment methods: 12 digits for IDR, 10 for COP, 9 for INR, and 8 for every other
 *   currency (99,999,999: 999,999.99 USD).
 * The PaymentIntent API reference still says "supports up to eight digits", and earlier versions
 * of the page listed only IDR (12 digits, 9 with American Express) as an exception.
 *
 * An order does not know how it will be paid: payments creates its PaymentIntent with automatic
 * payment methods and the shopper picks one afterwards. So the maximum of an order is what every
 * method accepts: 8 digits (99,999,999) for most currencies, 9 (999,999,999, the American
 * Express limit) for IDR, COP and INR. Stripe adds that card networks and some payment methods
 * can be more restrictive still, per currency and region; those limits are not published as
 * numbers, so a total under this maximum can still be declined at payment time.
 *
 * There is no minimum here, on purpose. Stripe's minimum (0.50 USD, 0.30 GBP, 50 JPY, ...)
 * depends on the merchant's settlement currency, not the order's (a charge in another currency
 * must reach the settlement currency's minimum after conversion, at the rate of the day), and
 * some methods such as iDEAL accept 1. The orders service knows neither, so refusing small orders
 * here would refuse some Stripe accepts. A total below the minimum is refused by Stripe when
 * payments creates the PaymentIntent (the order.created event then goes to the dead-letter topic
 * with Stripe's reason, and the order waits in pending_payment until it is cancelled).
 */
const EIGHT_DIGITS = 99_999_999;
const NINE_DIGITS = 999_999_999;

/** Currencies whose every payment method takes more than 8 digits. */
const LARGER_MAXIMUMS: Readonly<Record<string, number>> = {
  idr: NINE_DIGITS,
  cop: NINE_DIGITS,
  inr: NINE_DIGITS,
};

/** The largest amount Stripe charges in any currency by any method (12 digits): no price can exceed it. */
export const LARGEST_STRIPE_AMOUNT = 999_999_999_999;

/** The largest total an order in this currency can have and still be charged, in minor units. */
export function maxChargeableAmount(currency: string): number {
  return LARGER_MAXIMUMS[currency.toLowerCase()] ?? EIGHT_DIGITS;
}
