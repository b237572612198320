import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiError, SERVICE_CONFIG, ZodPipe } from '@switchyard/service';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { type PaymentsConfig } from '../payments-env';

interface PaymentIntentRow {
  order_id: string;
  id: string;
  client_secret: string;
  amount: string;
  currency: string;
  state: { outcome?: string } | null;
}

/** What the shop front needs to take the payment with Stripe.js: the client secret. */
@Controller('payments')
export class PaymentsController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
  ) {}

  @Get(':orderId')
  async get(@Param('orderId', new ZodPipe(z.uuid(), { orElse: notFound })) orderId: string) {
    const schema = `"${this.config.DB_SCHEMA}"`;
    const [row]: PaymentIntentRow[] = await this.dataSource.query(
      `SELECT pi.order_id, pi.id, pi.client_secret, pi.amount, pi.currency, ps.state
       FROM ${schema}.payment_intents pi LEFT JOIN ${schema}.payment_states ps ON ps.payment_intent_id = pi.id
       WHERE pi.order_id = $1`,
      [orderId],
    );
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
