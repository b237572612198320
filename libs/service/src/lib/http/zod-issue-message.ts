import { type z } from 'zod';

type RawIssue = z.core.$ZodRawIssue;
type Part = 'body' | 'query' | 'params';

/** What a value is, in words: "a string", "an array", "null". */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  tuple: 'an array',
  null: 'null',
};

const FORMATS: Record<string, string> = {
  uuid: 'a UUID such as 0b6f4c1e-5d1a-4c3e-9f0a-2a7d3c9e8b41',
  datetime: 'an ISO 8601 date and time with Z or an offset, such as 2025-01-31T12:00:00Z',
  date: 'an ISO 8601 date such as 2025-01-31',
  url: 'a URL',
  email: 'an email address',
};

const SIZE_UNITS: Record<string, string> = { string: 'characters', array: 'items', set: 'items' };

function bound(issue: RawIssue & { code: 'too_big' | 'too_small' }): string {
  const big = issue.code === 'too_big';
  const limit = String(big ? issue.maximum : issue.minimum);
  const unit = SIZE_UNITS[issue.origin];
  if (unit) {
    if (!big && limit === '1') return 'must not be empty';
    const verb = issue.origin === 'string' ? 'be' : 'have';
    return issue.exact
      ? `must ${verb} exactly ${limit} ${unit}`
      : `must ${verb} at ${big ? 'most' : 'least'} ${limit} ${unit}`;
  }
  if (issue.inclusive === false) return `must be ${big ? 'less' : 'more'} than ${limit}`;
  return `must be at ${big ? 'most' : 'least'} ${limit}`;
}

function wrongType(part: Part, issue: RawIssue & { code: 'invalid_type' }): string {
  const { input, expected } = issue;
  if (input === undefined) {
    return (issue.path ?? []).length === 0 && part === 'body'
      ? 'a JSON body is required'
      : 'is required';
  }
  if (typeof input === 'number') {
    // NaN is what z.coerce.number() makes of text that is not a number.
    if (Number.isNaN(input)) return 'must be a number';
    if (!Number.isFinite(input)) return 'must be a finite number';
    if (expected === 'int') return `must be a whole number, not ${input}`;
  }
  return `must be ${EXPECTED[expected] ?? expected}, not ${describeValue(input)}`;
}

/**
 * Zod's issues as the end of a sentence that starts with the field's name ("limit must be at
 * most 100"), saying what to send instead. Messages written in a schema take precedence; issues
 * this does not know keep zod's own message. `part` names what was validated, for unknown keys.
 */
export function issueMessages(part: Part): z.core.$ZodErrorMap {
  const unknownKey =
    part === 'query' ? 'parameter' : part === 'params' ? 'path parameter' : 'field';
  return (issue) => {
    switch (issue.code) {
      case 'invalid_type':
        return wrongType(part, issue);
      case 'too_big':
      case 'too_small':
        return bound(issue);
      case 'invalid_value':
        return issue.values.length === 1
          ? `must be ${JSON.stringify(issue.values[0])}`
          : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      case 'invalid_format':
        return FORMATS[issue.format] ? `must be ${FORMATS[issue.format]}` : undefined;
      case 'not_multiple_of':
        return `must be a multiple of ${String(issue.divisor)}`;
      case 'unrecognized_keys': {
        const keys = issue.keys.map((k) => `"${k}"`).join(', ');
        const plural = issue.keys.length > 1 ? 's' : '';
        return `unknown ${unknownKey}${plural} ${keys}: remove ${plural ? 'them' : 'it'} or check the spelling`;
      }
      case 'invalid_key': {
        const reason = issue.issues[0]?.message;
        return reason ? `is not an allowed name: ${reason}` : 'is not an allowed name';
      }
      default:
        return undefined;
    }
  };
}
