import { Body, Controller, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { ZodPipe } from '../http/zod.pipe';
import { ApiRoute } from './api-route.decorator';
import { openApiSchemaOf } from './openapi-schema';

const Thing = z.strictObject({ name: z.string() });
const response = { status: 200, description: 'The thing', schema: Thing };

describe('ApiRoute', () => {
  it('refuses, when the class is defined, a handler that validates a body its spec leaves out', () => {
    expect(() => {
      @Controller('things')
      class ThingsController {
        @Post()
        @ApiRoute({ summary: 'Make a thing', response, errors: [] })
        make(@Body(new ZodPipe(Thing)) body: z.infer<typeof Thing>) {
          return body;
        }
      }
      return ThingsController;
    }).toThrow('ThingsController.make reads its body but @ApiRoute does not document it');
  });

  it('refuses a handler that validates with another schema than the one it documents', () => {
    const Lenient = z.object({ name: z.string() });
    const ThingParams = z.object({ id: z.uuid() });
    expect(() => {
      @Controller('things')
      class ThingsController {
        @Post()
        @ApiRoute({ summary: 'Make a thing', body: Thing, response, errors: [] })
        make(@Body(new ZodPipe(Lenient)) body: z.infer<typeof Lenient>) {
          return body;
        }
      }
      return ThingsController;
    }).toThrow(
      'ThingsController.make validates its body with a schema @ApiRoute does not publish: pass the same schema to both',
    );
    expect(() => {
      @Controller('things')
      class ThingsController {
        @Post(':id')
        @ApiRoute({
          summary: 'Name a thing',
          params: ThingParams,
          body: Thing,
          response,
          errors: [],
        })
        name(
          @Param('id', new ZodPipe(ThingParams.shape.id)) id: string,
          @Body(new ZodPipe(Thing)) body: z.infer<typeof Thing>,
        ) {
          return { ...body, id };
        }
      }
      return ThingsController;
    }).not.toThrow();
  });
});

describe('openApiSchemaOf', () => {
  it('gives OpenAPI 3.0 schemas, without the JSON Schema dialect OpenAPI 3.0 refuses', () => {
    expect(openApiSchemaOf(z.string().nullable(), 'input')).toEqual({
      type: 'string',
      nullable: true,
    });
  });

  it('lets a documented answer gain fields, while a strict request still refuses unknown ones', () => {
    expect(openApiSchemaOf(Thing, 'input')).toHaveProperty('additionalProperties', false);
    expect(openApiSchemaOf(Thing, 'output')).not.toHaveProperty('additionalProperties');
  });
});
