import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ZodPipe } from '@switchyard/service';
import { PartnerAuthGuard } from '../partners/partner-auth.guard';
import {
  DryRunFilterUseCase,
  type TryFilterCommand,
  TryFilterSchema,
} from './dry-run-filter.usecase';

/** A proposed filter against a sample event, before any endpoint carries it. */
@Controller('v1/filters')
@UseGuards(PartnerAuthGuard)
export class FilterDryRunController {
  constructor(private readonly dryRun: DryRunFilterUseCase) {}

  @Post('test')
  @HttpCode(200)
  test(@Body(new ZodPipe(TryFilterSchema)) body: TryFilterCommand) {
    return this.dryRun.sample(body);
  }
}
