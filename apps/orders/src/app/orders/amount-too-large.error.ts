/** An order whose total is more than Stripe can charge in its currency. */
export class AmountTooLargeError extends Error {
  override readonly name = 'AmountTooLargeError';

  constructor(
    readonly currency: string,
    readonly total: bigint,
    readonly maximum: number,
  ) {
    super(
      `The order total, ${total} in the smallest unit of ${currency}, is more than ${maximum}, the most Stripe can charge in ${currency}: lower the quantities or prices, or split the order`,
    );
  }
}
