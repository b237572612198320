import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createEvent, EventTypes, exampleDataOf } from './catalog';
import { envelopeJsonSchema, eventJsonSchema } from './json-schema';

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const subject = '0b9f6a2e-7c1d-4e8a-9f3b-2d6c5a4e1f00';

describe('JSON Schema export (checked with ajv, a validator we did not write)', () => {
  it.each(EventTypes)(
    'the %s schema accepts the example event and refuses it without its data',
    (type) => {
      const event = createEvent(type, subject, exampleDataOf(type));
      const validate = ajv.compile(eventJsonSchema(type));

      expect(validate(JSON.parse(JSON.stringify(event)))).toBe(true);
      expect(validate({ ...event, data: {} })).toBe(false);
    },
  );

  it('the envelope schema refuses an envelope whose id is not a uuid v7', () => {
    const event = createEvent('order.cancelled', subject, exampleDataOf('order.cancelled'));
    const validate = ajv.compile(envelopeJsonSchema());

    expect(validate(event)).toBe(true);
    expect(validate({ ...event, id: 'not-a-uuid' })).toBe(false);
  });
});
