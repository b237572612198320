import { type ArgumentMetadata } from '@nestjs/common';
import { z } from 'zod';
import { ApiError } from './api-error';
import { InvalidJsonBody } from './json-body';
import { ZodPipe } from './zod.pipe';

const body: ArgumentMetadata = { type: 'body' };
const query: ArgumentMetadata = { type: 'query' };
const idParam: ArgumentMetadata = { type: 'param', data: 'id' };

/** The `{ status, error }` a pipe failure answers with. */
function refusal(run: () => unknown): {
  status: number;
  error: { code: string; message: string; details?: { field: string; message: string }[] };
} {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const response = err.getResponse() as {
      error: { code: string; message: string; details?: { field: string; message: string }[] };
    };
    return { status: err.getStatus(), error: response.error };
  }
  throw new Error('the pipe accepted the value');
}

const Order = z.object({
  customerId: z.string().min(1).max(8),
  lines: z.array(z.object({ quantity: z.number().int().min(1).max(10), sku: z.string() })).max(2),
});

const List = z.strictObject({
  status: z.enum(['open', 'closed']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

describe('ZodPipe', () => {
  it('returns the parsed value, defaults applied, when it is valid', () => {
    // Given a valid query string
    const pipe = new ZodPipe(List);

    // When it is validated
    const parsed = pipe.transform({ status: 'open' }, query);

    // Then the handler gets the parsed value
    expect(parsed).toEqual({ status: 'open', limit: 20 });
  });

  it('refuses a body with 400 invalid_request, naming each field and how to fix it', () => {
    // Given a body with two bad fields
    const pipe = new ZodPipe(Order);

    // When it is validated
    const { status, error } = refusal(() =>
      pipe.transform({ customerId: '', lines: [{ quantity: 1.5, sku: 'mug' }] }, body),
    );

    // Then the answer names the body and each field
    expect(status).toBe(400);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toBe(
      'The request body is invalid: customerId must not be empty; lines.0.quantity must be a whole number, not 1.5',
    );
    expect(error.details).toEqual([
      { field: 'customerId', message: 'must not be empty' },
      { field: 'lines.0.quantity', message: 'must be a whole number, not 1.5' },
    ]);
  });

  it('refuses a query string with 400 invalid_query, saying it is the query string', () => {
    // Given a limit above the maximum
    const pipe = new ZodPipe(List);

    // When the query string is validated
    const { status, error } = refusal(() => pipe.transform({ limit: '101' }, query));

    // Then the message says the query string is what is wrong
    expect(status).toBe(400);
    expect(error.code).toBe('invalid_query');
    expect(error.message).toBe('The query string is invalid: limit must be at most 100');
  });

  it('refuses an unknown query parameter, naming it', () => {
    // Given a misspelt parameter
    const pipe = new ZodPipe(List);

    // When the query string is validated
    const { error } = refusal(() => pipe.transform({ stauts: 'open' }, query));

    // Then the message names the parameter
    expect(error.message).toBe(
      'The query string is invalid: unknown parameter "stauts": remove it or check the spelling',
    );
    expect(error.details).toEqual([{ field: '(query)', message: expect.any(String) }]);
  });

  it('says a query parameter given twice must be given once', () => {
    // Given ?limit=1&limit=2, which reaches the pipe as an array
    const pipe = new ZodPipe(List);

    // When the query string is validated
    const { error } = refusal(() => pipe.transform({ limit: ['1', '2'] }, query));

    // Then the message says to send it once
    expect(error.message).toBe('The query string is invalid: limit is given 2 times: send it once');
  });

  it('lists the allowed values of an enum', () => {
    // Given a status the enum does not have
    const pipe = new ZodPipe(List);

    // When the query string is validated
    const { error } = refusal(() => pipe.transform({ status: 'shipped' }, query));

    // Then the message lists the allowed values
    expect(error.message).toBe(
      'The query string is invalid: status must be one of "open", "closed"',
    );
  });

  it('refuses a path parameter with 400 invalid_params, naming the parameter', () => {
    // Given an id that is not a UUID
    const pipe = new ZodPipe(z.uuid());

    // When the path parameter is validated
    const { status, error } = refusal(() => pipe.transform('42', idParam));

    // Then the message names the parameter
    expect(status).toBe(400);
    expect(error.code).toBe('invalid_params');
    expect(error.message).toMatch(/^The path is invalid: id must be a UUID/);
    expect(error.details).toEqual([{ field: 'id', message: expect.stringMatching(/UUID/) }]);
  });

  it('throws the error of orElse instead, such as a 404 for an id that cannot exist', () => {
    // Given a pipe that answers an impossible id with 404
    const notFound = new ApiError(404, 'order_not_found', 'No order has this id');
    const pipe = new ZodPipe(z.uuid(), { orElse: () => notFound });

    // When an id that is not a UUID is validated
    const { status, error } = refusal(() => pipe.transform('not-a-uuid', idParam));

    // Then the 404 is thrown
    expect(status).toBe(404);
    expect(error.code).toBe('order_not_found');
  });

  it('answers a body that is not JSON with 400 invalid_json and the parser reason', () => {
    // Given the parser's record of a body that is not JSON
    const pipe = new ZodPipe(Order);

    // When it is validated
    const { status, error } = refusal(() =>
      pipe.transform(new InvalidJsonBody('Unexpected end of JSON input'), body),
    );

    // Then the answer says it is not JSON, and why
    expect(status).toBe(400);
    expect(error.code).toBe('invalid_json');
    expect(error.message).toMatch(/not valid JSON: Unexpected end of JSON input/);
  });

  it('names the whole body when it is not an object', () => {
    // Given an array where an object is expected
    const pipe = new ZodPipe(Order);

    // When it is validated
    const { error } = refusal(() => pipe.transform([], body));

    // Then the message says what it must be and what it is
    expect(error.message).toBe('The request body is invalid: must be an object, not an array');
    expect(error.details).toEqual([
      { field: '(body)', message: 'must be an object, not an array' },
    ]);
  });

  it('says a body is missing when there is none', () => {
    // Given no body at all
    const pipe = new ZodPipe(Order);

    // When it is validated
    const { error } = refusal(() => pipe.transform(undefined, body));

    // Then the message asks for one
    expect(error.message).toBe('The request body is invalid: a JSON body is required');
  });

  it('says text in a number field must be a number, and infinity a finite one', () => {
    // Given ?limit=ten, and a body number JSON.parse made Infinity of (1e400)
    const list = new ZodPipe(List);
    const order = new ZodPipe(Order);

    // When they are validated
    const text = refusal(() => list.transform({ limit: 'ten' }, query));
    const infinite = refusal(() =>
      order.transform({ customerId: 'c', lines: [{ quantity: Infinity, sku: 's' }] }, body),
    );

    // Then each says what it must be
    expect(text.error.message).toBe('The query string is invalid: limit must be a number');
    expect(infinite.error.message).toBe(
      'The request body is invalid: lines.0.quantity must be a finite number',
    );
  });

  it('says a missing field is required', () => {
    // Given a body without customerId
    const pipe = new ZodPipe(Order);

    // When it is validated
    const { error } = refusal(() => pipe.transform({ lines: [] }, body));

    // Then the field is named as required
    expect(error.message).toBe('The request body is invalid: customerId is required');
  });

  it('keeps the messages written in the schema', () => {
    // Given a schema with its own message
    const pipe = new ZodPipe(
      z.object({ currency: z.string().regex(/^[a-z]{3}$/, 'must be an ISO 4217 code') }),
    );

    // When a bad value is validated
    const { error } = refusal(() => pipe.transform({ currency: 'dollars' }, body));

    // Then the schema's message is used
    expect(error.message).toBe('The request body is invalid: currency must be an ISO 4217 code');
  });

  it('refuses text Postgres cannot store, even where the schema accepts anything', () => {
    // Given a NUL in a checked field and an unpaired surrogate in an unchecked one
    const pipe = new ZodPipe(z.object({ name: z.string(), extra: z.unknown() }));

    // When it is validated
    const { status, error } = refusal(() =>
      pipe.transform({ name: 'a\u0000b', extra: { deep: ['\ud800'] } }, body),
    );

    // Then both are named, with how to fix them
    expect(status).toBe(400);
    expect(error.details).toEqual([
      { field: 'name', message: expect.stringMatching(/must not contain the NUL character/) },
      { field: 'extra.deep.0', message: expect.stringMatching(/must be valid Unicode/) },
    ]);
  });
});
