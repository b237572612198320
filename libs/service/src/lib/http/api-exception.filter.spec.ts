import { type ArgumentsHost, Logger } from '@nestjs/common';
import { ApiExceptionFilter } from './api-exception.filter';

/** What the filter answered: status and body, as a Fastify reply would have sent them. */
interface Answer {
  status?: number;
  body?: unknown;
}

function hostFor(request: { id: string; method: string; url: string }, answer: Answer) {
  const reply = {
    status: (code: number) => ((answer.status = code), reply),
    header: () => reply,
    send: (body: unknown) => ((answer.body = body), reply),
  };
  return {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ArgumentsHost;
}

describe('ApiExceptionFilter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('logs an unexpected error with the id of its request, and answers 500 without revealing it', () => {
    // Given a request that fails on an error nobody expected
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const answer: Answer = {};
    const error = new Error('column "secret_never_in_an_answer" does not exist');

    // When the filter catches it
    new ApiExceptionFilter().catch(
      error,
      hostFor({ id: 'req-7', method: 'POST', url: '/orders' }, answer),
    );

    // Then the log line carries the error and the request's id, method and URL
    expect(logged).toHaveBeenCalledWith(
      { err: error, req: { id: 'req-7', method: 'POST', url: '/orders' } },
      'request failed on an unexpected error',
    );
    // and the answer says only that something went wrong on our side
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({
      error: { code: 'internal_error', message: 'Something went wrong on our side; retry later' },
    });
  });
});
