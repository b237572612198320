import { stdSerializers } from 'pino';
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
    const err = Object.assign(new Error('insert failed'), {
      query: 'INSERT INTO endpoints (secret) VALUES ($1)',
      parameters: ['whsec_never_in_a_log'],
      detail: 'Key (secret)=(whsec_never_in_a_log) already exists.',
      driverError: { detail: 'whsec_never_in_a_log' },
    });

    expect(JSON.stringify(logged(err))).not.toContain('whsec_never_in_a_log');
  });

  it('never writes the request an HTTP client error carries (headers, config, body, raw response)', () => {
    const err = Object.assign(new Error('Request failed with status code 401'), {
      statusCode: 401,
      config: { headers: { authorization: 'Bearer sk_never_in_a_log' } },
      headers: { 'stripe-signature': 't=1,v1=never_in_a_log' },
      raw: { body: 'sk_never_in_a_log' },
      request: { body: 'sk_never_in_a_log' },
    });

    const line = JSON.stringify(logged(err));

    expect(line).not.toContain('never_in_a_log');
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
