import { describeOpenApiDocument } from '@switchyard/service-testing';
import { openApiDocument } from './openapi';

describeOpenApiDocument('payments', openApiDocument, [
  '/admin/stripe-events',
  '/admin/stripe-events/replay',
  '/admin/stripe-events/{id}',
  '/admin/stripe-events/{id}/replay',
  '/health/live',
  '/health/ready',
  '/metrics',
  '/payments/{orderId}',
  '/webhooks/stripe',
]);
