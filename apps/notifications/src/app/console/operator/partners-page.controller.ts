import { Body, Get, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiError } from '@switchyard/service';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CreatePartnerUseCase } from '../../partners/create-partner.usecase';
import { PartnerRepository } from '../../partners/partner.repository';
import { RevokeApiKeyUseCase } from '../../partners/revoke-api-key.usecase';
import { CurrentSession, ConsolePages } from '../auth/console-area.decorator';
import { type ConsoleSession, PORTAL_CAPABILITIES } from '../auth/console-session';
import { EndPortalAccessUseCase } from '../auth/end-portal-access.usecase';
import { IssuePortalLinkUseCase } from '../auth/issue-portal-link.usecase';
import { formFields, problemOf } from '../console-form';
import { ConsoleViews } from '../console-views';
import { ConsoleOverviewRepository } from './console-overview.repository';

/** Partners the page lists, newest first; it says so when there are more. */
const PARTNER_LIMIT = 200;

const NewPartnerForm = z.object({ name: z.string().trim().min(1).max(200) });
const PortalLinkForm = z.object({ capability: z.enum(PORTAL_CAPABILITIES) });

/** An id that is not a UUID names no partner: 404, as the admin API answers. */
const partnerNotFound = () =>
  new ApiError(404, 'partner_not_found', 'There is no partner with this id');

/** What a page shows once after a change: a new API key or a portal link, never stored. */
type ShownOnce =
  | { kind: 'api-key'; partnerName: string; apiKey: string; revoked?: boolean }
  | {
      kind: 'portal-link';
      partnerName: string;
      url: string;
      capability: string;
      expiresAt: string;
    };

/** Partners: list them, add one (its API key shown once), issue a portal link (shown once). */
@ConsolePages('console/partners', 'operator')
export class PartnersPageController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly overview: ConsoleOverviewRepository,
    private readonly createPartner: CreatePartnerUseCase,
    private readonly issuePortalLink: IssuePortalLinkUseCase,
    private readonly revokeApiKey: RevokeApiKeyUseCase,
    private readonly endPortalAccess: EndPortalAccessUseCase,
    private readonly partners: PartnerRepository,
  ) {}

  @Get()
  page(
    @CurrentSession() session: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.render(reply, session, {});
  }

  @Post()
  async create(
    @CurrentSession() session: ConsoleSession,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const form = NewPartnerForm.safeParse(formFields(body));
    if (!form.success) return this.render(reply, session, { problem: problemOf(form.error) }, 400);
    const partner = await this.createPartner.execute(form.data.name);
    return this.render(
      reply,
      session,
      { shownOnce: { kind: 'api-key', partnerName: partner.name, apiKey: partner.apiKey } },
      201,
    );
  }

  @Post(':id/portal-links')
  async issueLink(
    @CurrentSession() session: ConsoleSession,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: partnerNotFound })) partnerId: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const form = PortalLinkForm.safeParse(formFields(body));
    if (!form.success) return this.render(reply, session, { problem: problemOf(form.error) }, 400);
    const issuer = session.kind === 'operator' ? session.email : 'operator';
    const link = await this.issuePortalLink.execute(
      partnerId,
      form.data.capability,
      issuer,
      `${request.protocol}://${request.host}`,
    );
    return this.render(reply, session, { shownOnce: { kind: 'portal-link', ...link } }, 201);
  }

  /** The partner's API key revoked; its replacement shown once, for the operator to hand over. */
  @Post(':id/api-key')
  async replaceKey(
    @CurrentSession() session: ConsoleSession,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: partnerNotFound })) partnerId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const replaced = await this.revokeApiKey.execute(partnerId);
    return this.render(
      reply,
      session,
      { shownOnce: { kind: 'api-key', revoked: true, ...replaced } },
      200,
    );
  }

  /** Every portal session of the partner ended, every unused link expired. */
  @Post(':id/portal-access/end')
  async endAccess(
    @CurrentSession() session: ConsoleSession,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: partnerNotFound })) partnerId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const partnerName = await this.partners.nameOf(partnerId);
    if (partnerName === undefined) throw partnerNotFound();
    const ended = await this.endPortalAccess.execute(partnerId);
    return this.render(reply, session, {
      notice: `Ended ${ended.sessions} portal session(s) of ${partnerName} and expired ${ended.links} unused link(s).`,
    });
  }

  private async render(
    reply: FastifyReply,
    session: ConsoleSession,
    extra: { problem?: string; shownOnce?: ShownOnce; notice?: string },
    status = 200,
  ): Promise<string> {
    return this.views.render(
      reply,
      './operator/partners',
      {
        title: 'Partners',
        nav: 'partners',
        session,
        partners: await this.overview.partners(PARTNER_LIMIT),
        partnerLimit: PARTNER_LIMIT,
        problem: extra.problem ?? null,
        shownOnce: extra.shownOnce ?? null,
        notice: extra.notice ?? null,
      },
      status,
    );
  }
}
