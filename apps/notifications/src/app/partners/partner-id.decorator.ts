import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type AuthenticatedRequest } from './partner-auth.guard';

/** The id of the partner `PartnerAuthGuard` authenticated; a route without the guard has none. */
export const PartnerId = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const partnerId = context.switchToHttp().getRequest<AuthenticatedRequest>().partnerId;
  if (partnerId === undefined)
    throw new Error('PartnerId used on a route without PartnerAuthGuard');
  return partnerId;
});
