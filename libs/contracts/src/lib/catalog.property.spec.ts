import fc from 'fast-check';
import {
  type DomainEvent,
  EventCatalog,
  type EventType,
  EventTypes,
  createEvent,
  exampleDataOf,
  validateEvent,
} from './catalog';
import { ContractViolationError } from './contract-violation.error';

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

const traceparentArb = fc.oneof(
  fc.tuple(hex(32), hex(16)).map(([trace, span]) => `00-${trace}-${span}-01`),
  fc.string({ maxLength: 60 }),
);

const idArb = fc.oneof(
  fc.constant(undefined),
  fc.uuid({ version: 7 }),
  fc.uuid({ version: 4 }),
  fc.string({ maxLength: 40 }),
);

const subjectArb = fc.oneof(fc.uuid(), fc.string({ maxLength: 220 }));

const occurredAtArb = fc.option(fc.date({ noInvalidDate: false }), { nil: undefined });

/** A type's example data, or that data with one field replaced by anything at all. */
const typeAndDataArb = fc.constantFrom(...EventTypes).chain((type) => {
  const example = exampleDataOf(type) as Record<string, unknown>;
  const keys = Object.keys(example);
  return fc.tuple(
    fc.constant(type),
    fc.oneof(
      fc.constant(example),
      fc
        .tuple(fc.constantFrom(...keys), fc.anything())
        .map(([key, value]) => ({ ...example, [key]: value })),
    ),
  );
});

type Outcome =
  | { readonly ok: true; readonly event: DomainEvent }
  | { readonly ok: false; readonly code: string; readonly issues: readonly string[] };

function outcomeOf(build: () => DomainEvent): Outcome {
  try {
    return { ok: true, event: build() };
  } catch (err) {
    if (!(err instanceof ContractViolationError)) throw err;
    return { ok: false, code: err.code, issues: err.issues };
  }
}

/** What validating the whole envelope concludes: createEvent's answer must be the same. */
function referenceOutcome(
  type: EventType,
  subject: string,
  data: unknown,
  options: { id?: string; traceparent?: string; occurredAt: Date },
): Outcome {
  return outcomeOf(() =>
    validateEvent({
      id: options.id,
      type,
      version: EventCatalog[type].version,
      source: EventCatalog[type].source,
      subject,
      occurredAt: options.occurredAt.toISOString(),
      data,
      ...(options.traceparent ? { traceparent: options.traceparent } : {}),
    }),
  );
}

/** Stands in for the id createEvent would have made, where it refused before making one. */
const ANY_VALID_ID = '01a233d2-776a-72d9-9e4c-db1537363ee6';

/** Whether an envelope's ISO 8601 time can hold the date: valid, in the years 0 to 9999. */
function representable(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 0 && year <= 9999;
}

describe('createEvent', () => {
  it('accepts and refuses exactly what validating the whole envelope does, with the same error', () => {
    fc.assert(
      fc.property(
        typeAndDataArb,
        subjectArb,
        idArb,
        fc.option(traceparentArb, { nil: undefined }),
        occurredAtArb,
        ([type, data], subject, id, traceparent, occurredAt) => {
          // Given what a caller supplies, valid or not
          const options = { id, traceparent, occurredAt };

          // When an event is created from it
          const created = outcomeOf(() => createEvent(type, subject, data as never, options));

          // Then a time an envelope cannot hold is refused as an invalid envelope
          if (occurredAt && !representable(occurredAt)) {
            expect(created).toMatchObject({ ok: false, code: 'invalid_envelope' });
            return;
          }
          // and anything else gets the answer the whole envelope's validation gives
          const at = created.ok ? new Date(created.event.occurredAt) : (occurredAt ?? new Date());
          const reference = referenceOutcome(type, subject, data, {
            id: id ?? (created.ok ? created.event.id : ANY_VALID_ID),
            traceparent,
            occurredAt: at,
          });
          expect(created).toEqual(reference);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses a type the catalog does not hold, naming the known ones', () => {
    expect(() => createEvent('order.teleported' as EventType, 'o_1', {} as never)).toThrow(
      expect.objectContaining({ code: 'unknown_event_type' }),
    );
  });
});
