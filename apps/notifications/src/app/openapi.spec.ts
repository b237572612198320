import { describeOpenApiDocument } from '@switchyard/service-testing';
import { openApiDocument } from './openapi';

describeOpenApiDocument('notifications', openApiDocument, [
  '/health/live',
  '/health/ready',
  '/metrics',
  '/v1/devices',
  '/v1/devices/{id}',
  '/v1/devices/{id}/attempts',
  '/v1/endpoints',
  '/v1/endpoints/{id}',
  '/v1/endpoints/{id}/attempts',
  '/v1/endpoints/{id}/filter/test',
  '/v1/endpoints/{id}/replay',
  '/v1/endpoints/{id}/secret',
  '/v1/endpoints/{id}/secret/rotate',
  '/v1/events/{id}',
  '/v1/filters/test',
  '/v1/messages',
  '/v1/messages/{id}/attempts',
  '/v1/messages/{id}/replay',
  '/v1/partners',
  '/v1/partners/{id}/portal-links',
  '/v1/push-attempts',
  '/v1/replay',
]);
