import { Body, Get, Param, Post, Res } from '@nestjs/common';
import { EventTypes } from '@switchyard/contracts';
import { type FastifyReply } from 'fastify';
import { z } from 'zod';
import { SendExampleEventUseCase } from '../../delivery/send-example-event.usecase';
import { RotateSecretSchema } from '../../endpoints/endpoint-fields';
import { EndpointRepository } from '../../endpoints/endpoint.repository';
import { RotateEndpointSecretUseCase } from '../../endpoints/rotate-endpoint-secret.usecase';
import { UpdateEndpointUseCase } from '../../endpoints/update-endpoint.usecase';
import { CurrentSession, ConsolePages } from '../auth/console-area.decorator';
import { type ConsoleSession } from '../auth/console-session';
import { formFields, problemOf } from '../console-form';
import { ConsoleViews } from '../console-views';
import { PortalEndpointPage } from './portal-endpoint-page';
import { asPortalPage, NOT_FOUND, managingPartnerOf, partnerOf, portalId } from './portal-scope';

const ExampleForm = z.object({ eventType: z.enum(EventTypes) });

/**
 * What a partner does to one endpoint from its page: re-enable it, reveal and rotate its secret,
 * send it an example event. Each change shows the page again with what happened; the guard has
 * already refused a read-only session every POST.
 */
@ConsolePages('portal/endpoints', 'partner')
export class PortalEndpointActionsController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly endpoints: EndpointRepository,
    private readonly endpointPage: PortalEndpointPage,
    private readonly updateEndpoint: UpdateEndpointUseCase,
    private readonly rotateSecret: RotateEndpointSecretUseCase,
    private readonly sendExample: SendExampleEventUseCase,
  ) {}

  @Post(':id/enable')
  async enable(
    @CurrentSession() session: ConsoleSession,
    @Param('id', portalId()) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    await asPortalPage(this.updateEndpoint.execute(partnerOf(session), id, { enabled: true }));
    return this.endpointPage.render(reply, session, id, { notice: { kind: 'enabled' } });
  }

  /** A fragment: the current secret, and the previous one while a rotation's grace lasts. */
  @Get(':id/secret')
  async secret(
    @CurrentSession() session: ConsoleSession,
    @Param('id', portalId()) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    // The secret lets its holder sign as Switchyard: a read-only link does not show it.
    const secrets = await this.endpoints.secrets(managingPartnerOf(session), id);
    if (!secrets) throw NOT_FOUND();
    const previousActive =
      secrets.previousSecret !== null &&
      secrets.previousSecretExpiresAt !== null &&
      secrets.previousSecretExpiresAt > new Date();
    return this.views.render(reply, './portal/endpoint-secret', {
      secret: secrets.secret,
      previous: previousActive
        ? { secret: secrets.previousSecret, expiresAt: secrets.previousSecretExpiresAt }
        : null,
    });
  }

  @Post(':id/secret/rotate')
  async rotate(
    @CurrentSession() session: ConsoleSession,
    @Param('id', portalId()) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const rotated = await asPortalPage(
      this.rotateSecret.execute(partnerOf(session), id, RotateSecretSchema.parse(undefined)),
    );
    return this.endpointPage.render(reply, session, id, {
      notice: {
        kind: 'rotated',
        previousSecretExpiresAt: rotated.previousSecretExpiresAt.toISOString(),
      },
    });
  }

  @Post(':id/examples')
  async example(
    @CurrentSession() session: ConsoleSession,
    @Param('id', portalId()) id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const form = ExampleForm.safeParse(formFields(body));
    if (!form.success)
      return this.endpointPage.render(reply, session, id, { problem: problemOf(form.error) }, 400);
    const sent = await asPortalPage(
      this.sendExample.execute(partnerOf(session), id, form.data.eventType),
    );
    return this.endpointPage.render(
      reply,
      session,
      id,
      { notice: { kind: 'sent', messageId: sent.messageId, eventType: form.data.eventType } },
      201,
    );
  }
}
