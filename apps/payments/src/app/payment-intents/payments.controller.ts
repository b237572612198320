import { Controller, Get, Param } from '@nestjs/common';
import { ApiError, ZodPipe } from '@switchyard/service';
import { z } from 'zod';
import { PaymentsRepository } from '../processing/payments.repository';

/** What the shop front needs to take the payment with Stripe.js: the client secret. */
@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsRepository) {}

  @Get(':orderId')
  async get(@Param('orderId', new ZodPipe(z.uuid(), { orElse: notFound })) orderId: string) {
    const row = await this.payments.paymentIntentOf(orderId);
    if (!row) throw notFound();
    return {
      orderId: row.order_id,
      paymentIntentId: row.id,
      clientSecret: row.client_secret,
      amount: Number(row.amount),
      currency: row.currency,
      status: row.state?.outcome ?? 'pending',
    };
  }
}

function notFound(): ApiError {
  return new ApiError(
    404,
    'payment_not_found',
    'No PaymentIntent for this order yet: it is created shortly after the order; retry in a moment',
  );
}
