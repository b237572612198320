import { type INestApplication, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { API_ERROR_SCHEMA_NAME, ApiErrorResponse } from './api-error.schema';
import { openApiSchemaOf } from './openapi-schema';

/**
 * The service's OpenAPI document, from its controllers' `@ApiRoute` specs. The running service
 * serves this at /docs/openapi.json and `npm run docs:openapi` writes it to docs/openapi/, both
 * through this function, so the checked-in file is what the service answers.
 */
export function openApiDocumentOf(app: INestApplication, serviceName: string): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`Switchyard ${serviceName}`)
      .setDescription(
        `The ${serviceName} service's HTTP API. Every error answers \`{ "error": { "code", "message", "details"? } }\` (${API_ERROR_SCHEMA_NAME}) with its HTTP status.`,
      )
      .setVersion('1')
      // Not addBearerAuth(): it calls every bearer token a JWT, and ours are opaque.
      .addSecurity('bearer', {
        type: 'http',
        scheme: 'bearer',
        description: "A partner's API key, or the service's ADMIN_TOKEN on operator routes",
      })
      .build(),
  );
  return {
    ...document,
    components: {
      ...document.components,
      schemas: {
        ...document.components?.schemas,
        [API_ERROR_SCHEMA_NAME]: openApiSchemaOf(ApiErrorResponse, 'output'),
      },
    },
  };
}

/**
 * The document of a service module without running it: Nest's preview mode registers the
 * controllers and their routes but creates no provider, so no database or broker is reached.
 */
export async function previewOpenApiDocument(
  module: DynamicModule,
  serviceName: string,
): Promise<OpenAPIObject> {
  const app = await NestFactory.create(module, new FastifyAdapter(), {
    preview: true,
    logger: false,
  });
  try {
    return openApiDocumentOf(app, serviceName);
  } finally {
    await app.close();
  }
}

/** The text of a document as docs/openapi/ holds it and as the staleness check compares it. */
export function openApiJson(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
