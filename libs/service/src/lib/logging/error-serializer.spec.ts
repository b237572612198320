import { stdSerializers } from 'pino';
import Stripe from 'stripe';
import { QueryFailedError } from 'typeorm';
import { serializeErrorSafely } from './error-serializer';

/** As pino runs it: the standard serializer first, then ours. */
function logged(err: Error): Record<string, unknown> {
  return serializeErrorSafely(stdSerializers.err(err)) as Record<string, unknown>;
}

describe('errors in log lines', () => {
  it('keeps what happened, where and why: type, message, stack and codes', () => {
    const err = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      constraint: 'endpoints_pkey',
      table: 'endpoints',
    });

    expect(logged(err)).toEqual({
      type: 'Error',
      message: 'duplicate key value violates unique constraint',
      stack: err.stack,
      code: '23505',
      constraint: 'endpoints_pkey',
      table: 'endpoints',
    });
  });

  it("never writes a failed query's parameters or the values Postgres quotes in its detail", () => {
    const driverError = Object.assign(new Error('duplicate key value'), {
      code: '23505',
      detail: 'Key (secret)=(whsec_never_in_a_log) already exists.',
    });
    const err = new QueryFailedError(
      'INSERT INTO endpoints (secret) VALUES ($1)',
      ['whsec_never_in_a_log'],
      driverError,
    );

    expect(JSON.stringify(logged(err))).not.toContain('whsec_never_in_a_log');
    expect(logged(err)).toMatchObject({ type: 'QueryFailedError', code: '23505' });
  });

  it("never writes the PaymentIntent or card a Stripe error carries, keeping Stripe's codes", () => {
    const err = new Stripe.errors.StripeCardError({
      message: 'Your card was declined.',
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      payment_intent: { id: 'pi_1', client_secret: 'pi_1_secret_never_in_a_log' },
      payment_method: { id: 'pm_1', card: { last4: '4242', fingerprint: 'fp_never_in_a_log' } },
      statusCode: 402,
      requestId: 'req_1',
    } as Stripe.StripeRawError);

    expect(JSON.stringify(logged(err))).not.toMatch(/never_in_a_log|last4/);
    expect(logged(err)).toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      statusCode: 402,
      requestId: 'req_1',
    });
  });

  it('never writes the request an HTTP client error carries (headers, config, body)', () => {
    const err = Object.assign(new Error('Request failed with status code 401'), {
      statusCode: 401,
      config: { headers: { authorization: 'Bearer sk_never_in_a_log' } },
      headers: { 'stripe-signature': 't=1,v1=never_in_a_log' },
      request: { body: 'sk_never_in_a_log' },
    });

    expect(JSON.stringify(logged(err))).not.toContain('never_in_a_log');
    expect(logged(err)['statusCode']).toBe(401);
  });

  it('keeps the message of the cause and of each aggregated error, without their fields', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const err = new AggregateError(
      [Object.assign(new Error('one'), { parameters: ['secret_never_in_a_log'] })],
      'all failed',
      { cause },
    );

    const line = logged(err);

    expect(line['message']).toContain('connect ECONNREFUSED');
    expect(line['aggregateErrors']).toEqual([expect.objectContaining({ message: 'one' })]);
    expect(JSON.stringify(line)).not.toContain('secret_never_in_a_log');
  });

  it('leaves a value that is not an error as it is', () => {
    expect(serializeErrorSafely('connection refused')).toBe('connection refused');
  });
});
