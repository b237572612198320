import { Inject, Injectable } from '@nestjs/common';
import { ApiError, SERVICE_CONFIG } from '@switchyard/service';
import { request } from 'undici';
import { z } from 'zod';
import { type NotificationsConfig } from '../../notifications-env';

/** A Stripe event as payments' admin API shows it. */
export const StripeEventView = z.object({
  id: z.string(),
  type: z.string(),
  status: z.string(),
  source: z.string(),
  attempts: z.number(),
  error: z.string().nullable(),
  receivedAt: z.string(),
  processedAt: z.string().nullable(),
  payload: z.unknown().optional(),
});
export type StripeEventView = z.infer<typeof StripeEventView>;

const StripeEventPage = z.object({
  data: z.array(StripeEventView),
  nextCursor: z.string().nullable(),
});
export type StripeEventPage = z.infer<typeof StripeEventPage>;

export interface StripeEventQuery {
  readonly status?: string;
  readonly type?: string;
  readonly orderId?: string;
  readonly cursor?: string;
}

/**
 * The console's way to payments' admin API (`/admin/stripe-events`), with the deployment's
 * ADMIN_TOKEN: inbound Stripe events live in payments' schema, and its API is their one reader.
 * What it answers is checked, so a payments of another version fails here with a clear error.
 */
@Injectable()
export class PaymentsAdminClient {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig) {}

  async list(query: StripeEventQuery): Promise<StripeEventPage> {
    const params = new URLSearchParams({ limit: '50' });
    for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
    return StripeEventPage.parse(await this.call('GET', `?${params}`));
  }

  /** The event with its payload, or nothing when payments has none with this id. */
  async find(id: string): Promise<StripeEventView | undefined> {
    const found = await this.call('GET', `/${encodeURIComponent(id)}`, { missing: 'ok' });
    return found === undefined ? undefined : StripeEventView.parse(found);
  }

  /** Makes the event due for processing again; false when payments has none with this id. */
  async replay(id: string): Promise<boolean> {
    const done = await this.call('POST', `/${encodeURIComponent(id)}/replay`, { missing: 'ok' });
    return done !== undefined;
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    options: { missing?: 'ok' } = {},
  ): Promise<unknown> {
    const token = this.config.ADMIN_TOKEN;
    if (!token)
      throw new ApiError(
        503,
        'payments_not_configured',
        "Stripe events are read from payments' admin API: set ADMIN_TOKEN (the same as payments') on notifications",
      );
    let answer;
    try {
      answer = await request(`${this.config.PAYMENTS_URL}/admin/stripe-events${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        ...(method === 'POST' ? { body: '{}' } : {}),
        headersTimeout: 5000,
        bodyTimeout: 5000,
      });
    } catch (err) {
      throw new ApiError(
        503,
        'payments_unavailable',
        `Payments could not be reached at ${this.config.PAYMENTS_URL} (PAYMENTS_URL): ${(err as Error).message}`,
      );
    }
    const body: unknown = await answer.body.json().catch(() => undefined);
    if (answer.statusCode === 404 && options.missing === 'ok') return undefined;
    if (answer.statusCode >= 300) {
      const code = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(
        answer.statusCode === 401 ? 502 : answer.statusCode >= 500 ? 503 : 400,
        `payments_${code?.code ?? answer.statusCode}`,
        `Payments answered ${answer.statusCode}: ${code?.message ?? 'no explanation'}${answer.statusCode === 401 ? ' (is ADMIN_TOKEN the same on payments and notifications?)' : ''}`,
      );
    }
    return body;
  }
}
