import { type OpenAPIObject } from '@nestjs/swagger';
import { openApiGaps, staleOpenApi, validateOpenApi } from './openapi-checks';

/**
 * The promises every service's OpenAPI document keeps, as one jest suite: checked in as served,
 * valid, and complete for exactly `paths`. Built without Postgres or Kafka (the unit tier).
 */
export function describeOpenApiDocument(
  service: string,
  build: () => Promise<OpenAPIObject>,
  paths: readonly string[],
): void {
  describe(`the ${service} OpenAPI document`, () => {
    let document: OpenAPIObject;

    beforeAll(async () => {
      document = await build();
    });

    it(`is checked in at docs/openapi/${service}.json exactly as the service serves it`, () => {
      expect(staleOpenApi(service, document)).toBeNull();
    });

    it('passes an OpenAPI 3.0 validator', async () => {
      await expect(validateOpenApi(document)).resolves.toBeUndefined();
    });

    it('documents every route with its request, its answer and its errors in the shared shape', () => {
      expect(openApiGaps(document)).toEqual([]);
      expect(Object.keys(document.paths).sort()).toEqual([...paths].sort());
    });
  });
}
