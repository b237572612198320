import { type FastifyInstance } from 'fastify';
import { markStorable } from './storable-text';

/**
 * The body of a request whose bytes are not JSON. Parsing never fails the request by itself:
 * a webhook route must check the signature on the raw bytes first, then refuse the body.
 */
export class InvalidJsonBody {
  constructor(readonly reason: string) {}
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, for signature checks. */
    rawBody?: Buffer;
  }
}

/**
 * How deep a body's arrays and objects may nest. Ours nest a dozen levels at most (a Stripe
 * event, a filter of 6 levels); code that walks a value recursively (JSON.stringify, sift)
 * overflows the stack somewhere past a few thousand, which a 1 MB body can reach.
 */
export const MAX_JSON_DEPTH = 64;

/** True when the JSON text nests arrays and objects deeper than `limit`; strings are skipped. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  // Nesting past the limit takes more opening brackets than it, and a Stripe event has a few
  // dozen: counting them with indexOf spares most bodies the scan character by character below,
  // which took 3% of payments' CPU in the intake benchmark (tools/bench/probes/json-depth-check).
  if (openingBracketsAtMost(text, limit)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** Whether the text has at most `limit` of `[` and `{` in all, strings included. */
function openingBracketsAtMost(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i !== -1; i = text.indexOf(bracket, i + 1)) {
      if (++count > limit) return false;
    }
  }
  return true;
}

/** Replaces Fastify's JSON parser with one that keeps the raw bytes and defers JSON errors. */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit },
    (request, body: Buffer, done) => {
      request.rawBody = body;
      if (body.length === 0) return done(null, undefined);
      const text = body.toString('utf8');
      if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
        return done(
          null,
          new InvalidJsonBody(
            `arrays and objects nest deeper than ${MAX_JSON_DEPTH} levels, more than this API reads`,
          ),
        );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        return done(null, new InvalidJsonBody((err as Error).message));
      }
      markStorable(parsed, text);
      done(null, parsed);
    },
  );
}
