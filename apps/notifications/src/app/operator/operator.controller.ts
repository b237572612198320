import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AdminTokenGuard, ZodPipe } from '@switchyard/service';
import { z } from 'zod';
import { CreatePartnerUseCase } from '../partners/create-partner.usecase';

const CreatePartnerSchema = z.object({ name: z.string().min(1).max(200) });

/** The operators' API, with `Authorization: Bearer $ADMIN_TOKEN`; partners never reach it. */
@Controller('v1')
@UseGuards(AdminTokenGuard)
export class OperatorController {
  constructor(private readonly createPartner: CreatePartnerUseCase) {}

  /** The API key appears in this answer only; we keep its hash. */
  @Post('partners')
  @HttpCode(201)
  create(@Body(new ZodPipe(CreatePartnerSchema)) body: z.infer<typeof CreatePartnerSchema>) {
    return this.createPartner.execute(body.name);
  }
}
