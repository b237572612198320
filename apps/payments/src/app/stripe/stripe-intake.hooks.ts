import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type FastifyInstance, type FastifyRequest } from 'fastify';
import { stripeWebhooksTotal } from './stripe-intake.metrics';

const countedByController = new WeakSet<FastifyRequest>();

/** Marks a request whose outcome the controller already counted. */
export function markCounted(request: FastifyRequest): void {
  countedByController.add(request);
}

/**
 * Counts the refusals Fastify makes before the controller runs: a body over the limit (413,
 * refused while reading, before any HMAC work) and a media type no parser accepts (415).
 */
@Injectable()
export class StripeIntakeHooks implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', async (request, reply) => {
      if (!request.url.startsWith('/webhooks/stripe') || countedByController.has(request)) return;
      if (reply.statusCode === 413)
        stripeWebhooksTotal.inc({ outcome: 'rejected', code: 'payload_too_large' });
      if (reply.statusCode === 415)
        stripeWebhooksTotal.inc({ outcome: 'rejected', code: 'unsupported_media_type' });
    });
  }
}
