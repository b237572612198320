/**
 * The templates of push texts and keys: `{{path}}` takes a value from the event (`data.orderId`,
 * `type`, `subject`), `{{path | money:currencyPath}}` formats minor units as money in the device's
 * locale. Compiled once per rule; a path the event lacks is an error, never an empty string in a
 * customer's notification.
 */
export interface PushTemplate {
  readonly source: string;
  /** The paths it reads, to check a rule against an event type's example at boot. */
  readonly paths: readonly string[];
  render(event: Readonly<Record<string, unknown>>, locale: string): string;
}

/** A template reads a value the event does not have (or not as a string or number). */
export class MissingTemplateValueError extends Error {
  constructor(
    readonly path: string,
    template: string,
  ) {
    super(
      `The push template "${template}" reads ${path}, which the event does not have: use a field of the event type's data (docs/events.md), or "type"/"subject"`,
    );
    this.name = 'MissingTemplateValueError';
  }
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.]*)\s*(?:\|\s*(money)\s*:\s*([A-Za-z_][\w.]*)\s*)?\}\}/g;

function valueAt(event: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = event;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function scalarAt(
  event: Readonly<Record<string, unknown>>,
  path: string,
  source: string,
): string | number {
  const value = valueAt(event, path);
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw new MissingTemplateValueError(path, source);
}

/** Minor units (cents) as money, in the currency's own number of decimals. */
function money(amount: number, currency: string, locale: string): string {
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: currency.toUpperCase(),
  });
  const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** decimals);
}

export function compileTemplate(source: string): PushTemplate {
  const parts: ((event: Readonly<Record<string, unknown>>, locale: string) => string)[] = [];
  const paths: string[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const literal = source.slice(last, match.index);
    parts.push(() => literal);
    const [, path, filter, currencyPath] = match as unknown as [string, string, string?, string?];
    paths.push(path);
    if (filter === 'money' && currencyPath) {
      paths.push(currencyPath);
      parts.push((event, locale) =>
        money(
          Number(scalarAt(event, path, source)),
          String(scalarAt(event, currencyPath, source)),
          locale,
        ),
      );
    } else {
      parts.push((event) => String(scalarAt(event, path, source)));
    }
    last = (match.index ?? 0) + match[0].length;
  }
  const tail = source.slice(last);
  parts.push(() => tail);
  return {
    source,
    paths,
    render: (event, locale) => parts.map((part) => part(event, locale)).join(''),
  };
}
