import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { ApiError, bearerToken } from '@switchyard/service';
import { type FastifyRequest } from 'fastify';
import { hashApiKey } from './api-key';
import { PartnerRepository } from './partner.repository';

export interface AuthenticatedRequest extends FastifyRequest {
  partnerId?: string;
}

/** Resolves the partner from its API key; every partner query is then scoped to that partner. */
@Injectable()
export class PartnerAuthGuard implements CanActivate {
  constructor(private readonly partners: PartnerRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const apiKey = bearerToken(request);
    if (!apiKey) {
      throw new ApiError(401, 'missing_credentials', 'Send "Authorization: Bearer <API key>"');
    }
    const partnerId = await this.partners.idByApiKeyHash(hashApiKey(apiKey));
    if (!partnerId)
      throw new ApiError(
        401,
        'invalid_api_key',
        'The API key is not valid; use the key returned when the partner was created',
      );
    request.partnerId = partnerId;
    return true;
  }
}
