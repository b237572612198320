import { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { answerFrameworkError } from './framework-errors';

/** A reply that records what was sent. */
function recordingReply() {
  const sent: { status?: number; headers: Record<string, string>; body?: unknown } = {
    headers: {},
  };
  const reply = {
    code(status: number) {
      sent.status = status;
      return reply;
    },
    header(name: string, value: string) {
      sent.headers[name] = value;
      return reply;
    },
    send(body: unknown) {
      sent.body = body;
      return reply;
    },
  };
  return { reply: reply as unknown as FastifyReply, sent };
}

const fastifyError = (code: string, statusCode: number, message = 'x') =>
  Object.assign(new Error(message), { code, statusCode }) as FastifyError;

describe('answerFrameworkError', () => {
  it('answers a malformed percent-encoding with 400 invalid_url in our shape', () => {
    // Given Fastify's error for /orders/%E0%A4%A
    const { reply, sent } = recordingReply();

    // When it is answered
    answerFrameworkError(fastifyError('FST_ERR_BAD_URL', 400), {} as FastifyRequest, reply);

    // Then the answer is ours, with a message saying how to encode the path
    expect(sent.status).toBe(400);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toEqual({
      error: { code: 'invalid_url', message: expect.stringMatching(/%25/) },
    });
  });

  it('answers a path parameter over the length limit with 414 path_parameter_too_long', () => {
    // Given Fastify's error for a parameter over 100 characters
    const { reply, sent } = recordingReply();

    // When it is answered
    answerFrameworkError(
      fastifyError('FST_ERR_MAX_PARAM_LENGTH', 414),
      {} as FastifyRequest,
      reply,
    );

    // Then it is a 414 naming the limit
    expect(sent.status).toBe(414);
    expect(sent.body).toEqual({
      error: { code: 'path_parameter_too_long', message: expect.stringMatching(/100/) },
    });
  });

  it('answers any other framework error with its status and message as bad_request', () => {
    // Given an error this module does not know
    const { reply, sent } = recordingReply();

    // When it is answered
    answerFrameworkError(fastifyError('FST_ERR_OTHER', 400, 'odd'), {} as FastifyRequest, reply);

    // Then its status and message are kept, in our shape
    expect(sent.status).toBe(400);
    expect(sent.body).toEqual({ error: { code: 'bad_request', message: 'odd' } });
  });
});
