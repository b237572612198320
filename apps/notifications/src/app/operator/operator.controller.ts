import { Body, Controller, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import {
  ADMIN_ERRORS,
  AdminTokenGuard,
  ApiError,
  ApiRoute,
  BODY_ERRORS,
  SERVER_ERRORS,
  ZodPipe,
} from '@switchyard/service';
import { type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PORTAL_CAPABILITIES } from '../console/auth/console-session';
import { IssuePortalLinkUseCase } from '../console/auth/issue-portal-link.usecase';
import { CreatePartnerUseCase } from '../partners/create-partner.usecase';
import { CreatedPartnerResponse, PortalLinkResponse } from '../partners/partner.response';

const CreatePartnerSchema = z.object({ name: z.string().min(1).max(200) });
const PartnerParams = z.object({ id: z.uuid() });
/** An id that is not a UUID names no partner: 404, as for an unknown one. */
const partnerId = new ZodPipe(PartnerParams.shape.id, {
  orElse: () => new ApiError(404, 'partner_not_found', 'There is no partner with this id'),
});
const PortalLinkSchema = z.object({
  capability: z
    .enum(PORTAL_CAPABILITIES)
    .describe('read: see endpoints and messages; manage: also change them'),
});

/** The operators' API, with `Authorization: Bearer $ADMIN_TOKEN`; partners never reach it. */
@Controller('v1')
@UseGuards(AdminTokenGuard)
export class OperatorController {
  constructor(
    private readonly createPartner: CreatePartnerUseCase,
    private readonly issuePortalLink: IssuePortalLinkUseCase,
  ) {}

  /** The API key appears in this answer only; we keep its hash. */
  @Post('partners')
  @HttpCode(201)
  @ApiRoute({
    summary: 'Add a partner; the answer holds its API key, shown this once',
    bearer: true,
    body: CreatePartnerSchema,
    response: { status: 201, description: 'The partner', schema: CreatedPartnerResponse },
    errors: [...BODY_ERRORS, ...ADMIN_ERRORS, ...SERVER_ERRORS],
  })
  create(
    @Body(new ZodPipe(CreatePartnerSchema)) body: z.infer<typeof CreatePartnerSchema>,
  ): Promise<CreatedPartnerResponse> {
    return this.createPartner.execute(body.name);
  }

  /** A single-use link into the partner's portal, shown this once; we keep its hash. */
  @Post('partners/:id/portal-links')
  @HttpCode(201)
  @ApiRoute({
    summary: "Issue a single-use, short-lived link into a partner's portal",
    bearer: true,
    params: PartnerParams,
    body: PortalLinkSchema,
    response: { status: 201, description: 'The link', schema: PortalLinkResponse },
    errors: [
      ...BODY_ERRORS,
      { status: 404, code: 'partner_not_found', when: 'there is no partner with this id' },
      ...ADMIN_ERRORS,
      ...SERVER_ERRORS,
    ],
  })
  issueLink(
    @Param('id', partnerId) id: string,
    @Body(new ZodPipe(PortalLinkSchema)) body: z.infer<typeof PortalLinkSchema>,
    @Req() request: FastifyRequest,
  ): Promise<PortalLinkResponse> {
    return this.issuePortalLink.execute(
      id,
      body.capability,
      'admin-api',
      `${request.protocol}://${request.host}`,
    );
  }
}
