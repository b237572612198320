import { Injectable } from '@nestjs/common';
import { decodeCursor, pageOf, pageQuery } from '@switchyard/service';
import { z } from 'zod';
import { EndpointNotFoundError } from '../endpoints/endpoint-not-found.error';
import { EndpointRepository } from '../endpoints/endpoint.repository';
import { MessageNotFoundError } from '../messages/message-not-found.error';
import { MessageRepository } from '../messages/message.repository';
import { type Attempt, AttemptRepository, type AttemptScope } from './attempt.repository';
import { type AttemptPageResponse, type AttemptResponse } from './attempt.response';

export const AttemptsQuery = z.strictObject({
  status: z.enum(['succeeded', 'failed']).optional(),
  ...pageQuery(200),
});
export type AttemptsQueryInput = z.infer<typeof AttemptsQuery>;

/** An attempt id (bigint): at most 18 digits, so it never overflows the column's type. */
const AttemptCursor = z.tuple([z.string().regex(/^\d{1,18}$/)]);

function attemptView(attempt: Attempt): AttemptResponse {
  return { ...attempt, attemptedAt: attempt.attemptedAt.toISOString() };
}

/** The attempt log of a partner's endpoint or message, newest first, a page at a time. */
@Injectable()
export class ListAttemptsUseCase {
  constructor(
    private readonly attempts: AttemptRepository,
    private readonly endpoints: EndpointRepository,
    private readonly messages: MessageRepository,
  ) {}

  async execute(
    partnerId: string,
    scope: AttemptScope,
    query: AttemptsQueryInput,
  ): Promise<AttemptPageResponse> {
    const beforeId = query.cursor ? decodeCursor(query.cursor, AttemptCursor)[0] : null;
    await this.assertOwned(partnerId, scope);
    const rows = await this.attempts.list(scope, {
      ...(query.status && { status: query.status }),
      limit: query.limit + 1,
      beforeId,
    });
    return pageOf(rows, query.limit, attemptView, (a) => [a.id]);
  }

  private async assertOwned(partnerId: string, scope: AttemptScope): Promise<void> {
    if ('endpointId' in scope) {
      if (!(await this.endpoints.exists(partnerId, scope.endpointId)))
        throw new EndpointNotFoundError();
    } else if (!(await this.messages.exists(partnerId, scope.messageId))) {
      throw new MessageNotFoundError();
    }
  }
}
