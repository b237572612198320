import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@switchyard/service';
import { register } from 'prom-client';
import { request } from 'undici';
import { type NotificationsConfig } from '../../notifications-env';
import {
  serviceFigures,
  type ServiceFigures,
  stripeIntakeFigures,
  type StripeIntakeFigures,
  unreachableService,
} from './overview-figures';
import { type MetricFamilies, parsePrometheusMetrics } from './prometheus-text';

const SCRAPE_TIMEOUT_MS = 2000;

export interface FleetFigures {
  readonly services: readonly ServiceFigures[];
  readonly stripeIntake: StripeIntakeFigures | null;
}

/**
 * The overview's figures from the services' own metrics, as Prometheus would scrape them:
 * notifications' from its registry, orders' and payments' from their `/metrics` (ORDERS_URL,
 * PAYMENTS_URL). Each is the instance that URL reaches; a service that does not answer is shown
 * as such, the others still are.
 */
@Injectable()
export class ServiceMetricsReader {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig) {}

  async read(): Promise<FleetFigures> {
    const [orders, payments, notifications] = await Promise.all([
      this.scrape(this.config.ORDERS_URL),
      this.scrape(this.config.PAYMENTS_URL),
      register.metrics().then(parsePrometheusMetrics),
    ]);
    const figures = (name: string, scraped: MetricFamilies | string) =>
      typeof scraped === 'string'
        ? unreachableService(name, scraped)
        : serviceFigures(name, scraped);
    return {
      services: [
        figures('orders', orders),
        figures('payments', payments),
        figures('notifications', notifications),
      ],
      stripeIntake: typeof payments === 'string' ? null : stripeIntakeFigures(payments),
    };
  }

  /** The service's metrics, or why they could not be read. */
  private async scrape(baseUrl: string): Promise<MetricFamilies | string> {
    try {
      const answer = await request(`${baseUrl}/metrics`, {
        headersTimeout: SCRAPE_TIMEOUT_MS,
        bodyTimeout: SCRAPE_TIMEOUT_MS,
      });
      const text = await answer.body.text();
      if (answer.statusCode !== 200) return `${baseUrl}/metrics answered ${answer.statusCode}`;
      return parsePrometheusMetrics(text);
    } catch (err) {
      return `${baseUrl}/metrics could not be read: ${(err as Error).message}`;
    }
  }
}
