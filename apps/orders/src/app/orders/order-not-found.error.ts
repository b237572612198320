/** No order has the id asked for. */
export class OrderNotFoundError extends Error {
  override readonly name = 'OrderNotFoundError';

  constructor(readonly orderId: string) {
    super(`Order ${orderId} does not exist`);
  }
}
