import { describeOpenApiDocument } from '@switchyard/service-testing';
import { openApiDocument } from './openapi';

describeOpenApiDocument('orders', openApiDocument, [
  '/health/live',
  '/health/ready',
  '/metrics',
  '/orders',
  '/orders/{id}',
  '/orders/{id}/cancel',
  '/orders/{id}/fulfill',
]);
