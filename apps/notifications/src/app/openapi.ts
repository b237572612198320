import { type OpenAPIObject } from '@nestjs/swagger';
import { loadConfig, previewOpenApiDocument } from '@switchyard/service';
import { AppModule } from './app.module';
import { NotificationsEnv } from './notifications-env';

/**
 * The notifications API's OpenAPI document, as the service serves it, built without Postgres or Kafka
 * (docs/openapi/notifications.json; `npm run docs:openapi`). The environment's defaults stand in for
 * the configuration: no route depends on it.
 */
export function openApiDocument(): Promise<OpenAPIObject> {
  return previewOpenApiDocument(
    AppModule.forRoot(loadConfig(NotificationsEnv, {})),
    'notifications',
  );
}
