import { consoleTime, formFields, formValues, optionalFilter } from './console-form';

describe('console forms', () => {
  it('reads a datetime-local value as UTC, and a time with its own zone as written', () => {
    expect(consoleTime.parse('2026-01-31T14:30').toISOString()).toBe('2026-01-31T14:30:00.000Z');
    expect(consoleTime.parse('2026-01-31T14:30:00Z').toISOString()).toBe(
      '2026-01-31T14:30:00.000Z',
    );
    expect(consoleTime.parse('2026-01-31T14:30:00+02:00').toISOString()).toBe(
      '2026-01-31T12:30:00.000Z',
    );
  });

  it('refuses a time that does not exist, saying what it expects', () => {
    const refused = consoleTime.safeParse('2026-02-30T10:00');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toContain('such as 2026-01-31T14:30 (UTC)');
  });

  it('takes an empty field as no value, and checks a filled one', () => {
    const schema = optionalFilter(consoleTime);
    expect(schema.parse('')).toBeUndefined();
    expect(schema.safeParse('yesterday').success).toBe(false);
  });

  it('keeps every value of a repeated field, and reads nothing from what is not a form', () => {
    const form = new URLSearchParams('eventTypes=order.paid&eventTypes=order.created&name=x');
    expect(formValues(form, 'eventTypes')).toEqual(['order.paid', 'order.created']);
    expect(formFields(form)).toMatchObject({ name: 'x' });
    expect(formFields({ name: 'x' })).toEqual({});
  });
});
