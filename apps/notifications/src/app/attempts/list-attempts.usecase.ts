import { Injectable } from '@nestjs/common';
import { decodeCursor, type Page, pageOf, pageQuery } from '@switchyard/service';
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

/** A partner's view of a webhook attempt (its endpoints' and messages' attempts only). */
function attemptView(attempt: Attempt): AttemptResponse {
  if (attempt.endpointId === null)
    throw new Error(`attempt ${attempt.id} is a push's, not a partner's`);
  return {
    id: attempt.id,
    endpointId: attempt.endpointId,
    messageId: attempt.messageId,
    attemptedAt: attempt.attemptedAt.toISOString(),
    statusCode: attempt.statusCode,
    latencyMs: attempt.latencyMs,
    error: attempt.error,
    responseBody: attempt.responseBody,
    requestHeaders: attempt.requestHeaders,
  };
}

/** The page of `scope`'s attempts a query asks for, newest first, each shown by `view`. */
export async function attemptPage<View>(
  attempts: AttemptRepository,
  scope: AttemptScope,
  query: AttemptsQueryInput,
  view: (attempt: Attempt) => View,
): Promise<Page<View>> {
  const beforeId = query.cursor ? decodeCursor(query.cursor, AttemptCursor)[0] : null;
  const rows = await attempts.list(scope, {
    ...(query.status && { status: query.status }),
    limit: query.limit + 1,
    beforeId,
  });
  return pageOf(rows, query.limit, view, (a) => [a.id]);
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
    scope: { readonly endpointId: string } | { readonly messageId: string },
    query: AttemptsQueryInput,
  ): Promise<AttemptPageResponse> {
    await this.assertOwned(partnerId, scope);
    return attemptPage(this.attempts, scope, query, attemptView);
  }

  private async assertOwned(
    partnerId: string,
    scope: { readonly endpointId: string } | { readonly messageId: string },
  ): Promise<void> {
    if ('endpointId' in scope) {
      if (!(await this.endpoints.exists(partnerId, scope.endpointId)))
        throw new EndpointNotFoundError();
    } else if (!(await this.messages.exists(partnerId, scope.messageId))) {
      throw new MessageNotFoundError();
    }
  }
}
