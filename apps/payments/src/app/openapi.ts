import { type OpenAPIObject } from '@nestjs/swagger';
import { loadConfig, previewOpenApiDocument } from '@switchyard/service';
import { AppModule } from './app.module';
import { PaymentsEnv } from './payments-env';

/**
 * The payments API's OpenAPI document, as the service serves it, built without Postgres or
 * Kafka (docs/openapi/payments.json; `npm run docs:openapi`). The environment's defaults, and a
 * placeholder webhook secret, stand in for the configuration: no route depends on it.
 */
export function openApiDocument(): Promise<OpenAPIObject> {
  const config = loadConfig(PaymentsEnv, { STRIPE_WEBHOOK_SECRETS: 'whsec_documentation' });
  return previewOpenApiDocument(AppModule.forRoot(config), 'payments');
}
