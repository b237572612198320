import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { type CommonEnv } from '../config/common-env';
import { SERVICE_CONFIG } from '../service-config.token';
import { ApiError } from './api-error';
import { bearerToken } from './bearer-token';
import { tokenMatches } from './token-matches';

/** Guards operator endpoints with `Authorization: Bearer <ADMIN_TOKEN>`. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: CommonEnv) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.ADMIN_TOKEN;
    if (!expected) {
      throw new ApiError(
        403,
        'admin_api_disabled',
        'The admin API is disabled: start the service with ADMIN_TOKEN set',
      );
    }
    const token = bearerToken(context.switchToHttp().getRequest<FastifyRequest>());
    if (!tokenMatches(token, expected)) {
      throw new ApiError(
        401,
        'invalid_admin_token',
        'Send "Authorization: Bearer <ADMIN_TOKEN>" with the token the service was started with',
      );
    }
    return true;
  }
}
