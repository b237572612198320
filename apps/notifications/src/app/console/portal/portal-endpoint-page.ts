import { Injectable } from '@nestjs/common';
import { EventTypes } from '@switchyard/contracts';
import { type StandardWebhookHeaders } from '@switchyard/signing';
import { type FastifyReply } from 'fastify';
import { endpointView } from '../../endpoints/endpoint';
import { EndpointRepository } from '../../endpoints/endpoint.repository';
import { type ConsoleSession } from '../auth/console-session';
import { ConsoleViews } from '../console-views';
import { EndpointCircuitRepository } from './endpoint-circuit.repository';
import { NOT_FOUND, partnerOf } from './portal-scope';

/** The headers every delivery is signed with, for the verification snippet. */
const SIGNATURE_HEADERS = [
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
] as const satisfies readonly (keyof StandardWebhookHeaders)[];

/** What the page says about the change just made on it. */
export type EndpointNotice =
  | { readonly kind: 'sent'; readonly messageId: string; readonly eventType: string }
  | { readonly kind: 'rotated'; readonly previousSecretExpiresAt: string }
  | { readonly kind: 'enabled' };

/**
 * One endpoint's page for its partner: its settings, its circuit and why it was disabled, its
 * secret on demand, how to verify a delivery, and (for a session that manages) its actions.
 * Shared by the page and by the actions that show it again after a change.
 */
@Injectable()
export class PortalEndpointPage {
  constructor(
    private readonly views: ConsoleViews,
    private readonly endpoints: EndpointRepository,
    private readonly circuits: EndpointCircuitRepository,
  ) {}

  async render(
    reply: FastifyReply,
    session: ConsoleSession,
    id: string,
    extra: { readonly notice?: EndpointNotice; readonly problem?: string } = {},
    status = 200,
  ): Promise<string> {
    const partnerId = partnerOf(session);
    const [endpoint, circuit] = await Promise.all([
      this.endpoints.find(partnerId, id),
      this.circuits.of(partnerId, id),
    ]);
    if (!endpoint || !circuit) throw NOT_FOUND();
    return this.views.render(
      reply,
      './portal/endpoint',
      {
        title: endpoint.url,
        nav: 'endpoints',
        session,
        endpoint: endpointView(endpoint),
        circuit,
        eventTypes: EventTypes,
        signatureHeaders: SIGNATURE_HEADERS,
        notice: extra.notice ?? null,
        problem: extra.problem ?? null,
      },
      status,
    );
  }
}
