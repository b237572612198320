import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiRoute, PAGE_ERRORS, SERVER_ERRORS, ZodPipe } from '@switchyard/service';
import { z } from 'zod';
import { AttemptRepository } from '../../attempts/attempt.repository';
import { attemptPage, AttemptsQuery } from '../../attempts/list-attempts.usecase';
import { DEVICES_AUTH_ERRORS } from './devices.controller';
import { DevicesApiGuard } from './devices-api.guard';
import { PushAttemptPageResponse, pushAttemptView } from './push-attempt.response';

const CustomerAttemptsQuery = AttemptsQuery.extend({ customerId: z.string().min(1).max(128) });

/** `/v1/push-attempts`: every push to one customer, the devices removed since included. */
@Controller('v1/push-attempts')
@UseGuards(DevicesApiGuard)
export class PushAttemptsController {
  constructor(private readonly attempts: AttemptRepository) {}

  @Get()
  @ApiRoute({
    summary: "A customer's push attempts on all their devices, newest first; page with nextCursor",
    bearer: true,
    query: CustomerAttemptsQuery,
    response: {
      status: 200,
      description: 'A page of push attempts',
      schema: PushAttemptPageResponse,
    },
    errors: [...PAGE_ERRORS, ...DEVICES_AUTH_ERRORS, ...SERVER_ERRORS],
  })
  list(
    @Query(new ZodPipe(CustomerAttemptsQuery)) query: z.infer<typeof CustomerAttemptsQuery>,
  ): Promise<PushAttemptPageResponse> {
    const { customerId, ...page } = query;
    return attemptPage(this.attempts, { customerId }, page, pushAttemptView);
  }
}
