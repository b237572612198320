import { type ExecutionContext } from '@nestjs/common';
import { ApiError } from '@switchyard/service';
import { type NotificationsConfig } from '../../notifications-env';
import { DevicesApiGuard } from './devices-api.guard';

function requestWith(authorization?: string): ExecutionContext {
  const request = { headers: authorization === undefined ? {} : { authorization } };
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

function guard(tokens: Partial<Pick<NotificationsConfig, 'DEVICES_API_TOKEN' | 'ADMIN_TOKEN'>>) {
  return new DevicesApiGuard(tokens as NotificationsConfig);
}

function refusal(run: () => unknown): { status: number; code: string } | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const body = err.getResponse() as { error: { code: string } };
    return { status: err.getStatus(), code: body.error.code };
  }
}

describe('who may call the devices API', () => {
  const shop = 'shop-backend-devices-token-0123456789';
  const admin = 'operators-admin-token-0123456789abcd';

  it('answers 403 devices_api_disabled when neither token is configured', () => {
    expect(refusal(() => guard({}).canActivate(requestWith(`Bearer ${shop}`)))).toEqual({
      status: 403,
      code: 'devices_api_disabled',
    });
  });

  it('lets in the devices token, or the admin token, and nothing else', () => {
    const both = guard({ DEVICES_API_TOKEN: shop, ADMIN_TOKEN: admin });
    expect(both.canActivate(requestWith(`Bearer ${shop}`))).toBe(true);
    expect(both.canActivate(requestWith(`Bearer ${admin}`))).toBe(true);
    for (const header of [undefined, 'Bearer nope', `Basic ${shop}`, `Bearer ${shop}x`]) {
      expect(refusal(() => both.canActivate(requestWith(header)))).toEqual({
        status: 401,
        code: 'invalid_devices_token',
      });
    }
  });
});
