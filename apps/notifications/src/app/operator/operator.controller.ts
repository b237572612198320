import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ADMIN_ERRORS,
  AdminTokenGuard,
  ApiRoute,
  BODY_ERRORS,
  SERVER_ERRORS,
  ZodPipe,
} from '@switchyard/service';
import { z } from 'zod';
import { CreatePartnerUseCase } from '../partners/create-partner.usecase';
import { CreatedPartnerResponse } from '../partners/partner.response';

const CreatePartnerSchema = z.object({ name: z.string().min(1).max(200) });

/** The operators' API, with `Authorization: Bearer $ADMIN_TOKEN`; partners never reach it. */
@Controller('v1')
@UseGuards(AdminTokenGuard)
export class OperatorController {
  constructor(private readonly createPartner: CreatePartnerUseCase) {}

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
}
