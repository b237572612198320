import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiRoute, BODY_ERRORS, SERVER_ERRORS, ZodPipe } from '@switchyard/service';
import { INVALID_FILTER, PARTNER_AUTH_ERRORS } from '../notifications-error-cases';
import { PartnerAuthGuard } from '../partners/partner-auth.guard';
import {
  DryRunFilterUseCase,
  type TryFilterCommand,
  TryFilterSchema,
} from './dry-run-filter.usecase';
import { FilterVerdictResponse } from './filter-verdict.response';

/** A proposed filter against a sample event, before any endpoint carries it. */
@Controller('v1/filters')
@UseGuards(PartnerAuthGuard)
export class FilterDryRunController {
  constructor(private readonly dryRun: DryRunFilterUseCase) {}

  @Post('test')
  @HttpCode(200)
  @ApiRoute({
    summary: 'A proposed filter against a sample event; nothing is sent',
    bearer: true,
    body: TryFilterSchema,
    response: { status: 200, description: 'The verdict', schema: FilterVerdictResponse },
    errors: [...BODY_ERRORS, ...PARTNER_AUTH_ERRORS, INVALID_FILTER, ...SERVER_ERRORS],
  })
  test(@Body(new ZodPipe(TryFilterSchema)) body: TryFilterCommand): FilterVerdictResponse {
    return this.dryRun.sample(body);
  }
}
