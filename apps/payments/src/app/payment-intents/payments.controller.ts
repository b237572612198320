import { Controller, Get, Param } from '@nestjs/common';
import { ApiError, ApiRoute, SERVER_ERRORS, ZodPipe } from '@switchyard/service';
import { z } from 'zod';
import { PaymentsRepository } from '../processing/payments.repository';
import { PaymentResponse } from './payment.response';

const PaymentParams = z.object({ orderId: z.uuid() });

/** What the shop front needs to take the payment with Stripe.js: the client secret. */
@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsRepository) {}

  @Get(':orderId')
  @ApiRoute({
    summary: "An order's PaymentIntent and its client secret, for Stripe.js",
    params: PaymentParams,
    response: { status: 200, description: 'The PaymentIntent', schema: PaymentResponse },
    errors: [
      {
        status: 404,
        code: 'payment_not_found',
        when: 'no PaymentIntent for this order yet (it is created shortly after the order)',
      },
      ...SERVER_ERRORS,
    ],
  })
  async get(
    @Param('orderId', new ZodPipe(PaymentParams.shape.orderId, { orElse: notFound }))
    orderId: string,
  ): Promise<PaymentResponse> {
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
