import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ApiError, bearerToken, SERVICE_CONFIG, tokenMatches } from '@switchyard/service';
import { type FastifyRequest } from 'fastify';
import { type NotificationsConfig } from '../../notifications-env';

/**
 * Guards the devices API: the shop's backend calls it with `Authorization: Bearer
 * <DEVICES_API_TOKEN>` (registering what its apps report, never the apps themselves, which would
 * have to ship the secret); an operator's ADMIN_TOKEN is accepted too.
 */
@Injectable()
export class DevicesApiGuard implements CanActivate {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const accepted = [this.config.DEVICES_API_TOKEN, this.config.ADMIN_TOKEN].filter(
      (token): token is string => token !== undefined,
    );
    if (accepted.length === 0) {
      throw new ApiError(
        403,
        'devices_api_disabled',
        'The devices API is disabled: start notifications with DEVICES_API_TOKEN (or ADMIN_TOKEN) set',
      );
    }
    const token = bearerToken(context.switchToHttp().getRequest<FastifyRequest>());
    if (!accepted.some((expected) => tokenMatches(token, expected))) {
      throw new ApiError(
        401,
        'invalid_devices_token',
        'Send "Authorization: Bearer <DEVICES_API_TOKEN>" with the token notifications was started with',
      );
    }
    return true;
  }
}
