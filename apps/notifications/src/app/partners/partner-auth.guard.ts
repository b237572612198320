import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ApiError, bearerToken, SERVICE_CONFIG } from '@switchyard/service';
import { type FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { type NotificationsConfig } from '../notifications-env';
import { hashApiKey } from './api-key';

export interface AuthenticatedRequest extends FastifyRequest {
  partnerId?: string;
}

/** Resolves the partner from its API key; every partner query is then scoped to that partner. */
@Injectable()
export class PartnerAuthGuard implements CanActivate {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const apiKey = bearerToken(request);
    if (!apiKey) {
      throw new ApiError(401, 'missing_credentials', 'Send "Authorization: Bearer <API key>"');
    }
    const [partner]: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM "${this.config.DB_SCHEMA}".partners WHERE api_key_hash = $1`,
      [hashApiKey(apiKey)],
    );
    if (!partner)
      throw new ApiError(
        401,
        'invalid_api_key',
        'The API key is not valid; use the key returned when the partner was created',
      );
    request.partnerId = partner.id;
    return true;
  }
}
