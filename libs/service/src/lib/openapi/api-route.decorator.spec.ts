import { Body, Controller, Post } from '@nestjs/common';
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
