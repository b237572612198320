/** A string in a request that Postgres cannot store, and where it is. */
export interface UnstorableText {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

// An unpaired UTF-16 surrogate: JSON lets "\ud800" through, UTF-8 (and Postgres) has no such character.
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problemOf(text: string): string | undefined {
  if (text.includes('\u0000')) {
    return 'must not contain the NUL character (\\u0000): remove it';
  }
  if (UNPAIRED_SURROGATE.test(text)) {
    return 'must be valid Unicode: it has an unpaired surrogate (\\ud800 to \\udfff); send whole characters';
  }
  return undefined;
}

interface Node {
  readonly value: unknown;
  readonly parent: Node | null;
  readonly key: string | number | null;
}

function pathOf(node: Node): (string | number)[] {
  const path: (string | number)[] = [];
  for (let n: Node | null = node; n && n.key !== null; n = n.parent) path.unshift(n.key);
  return path;
}

/** Parsed bodies whose JSON text could not have held an unstorable string (`markStorable`). */
const storable = new WeakSet<object>();

// In JSON text, NUL and surrogates can only arrive escaped: JSON forbids raw control characters
// in strings, and decoding UTF-8 never yields a surrogate.
const RISKY_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/**
 * Records that `value`, parsed from `utf8Text`, holds no string Postgres refuses when the text
 * has no escape that could make one, so `findUnstorableText` need not walk it. Sound only for
 * text decoded from UTF-8 bytes (`buffer.toString('utf8')`), which never holds a raw surrogate;
 * and the value must not be changed afterwards, since the mark lasts as long as the object.
 */
export function markStorable(value: unknown, utf8Text: string): void {
  if (typeof value === 'object' && value !== null && !RISKY_ESCAPE.test(utf8Text)) {
    storable.add(value);
  }
}

/**
 * Finds the strings (values and keys, however deep) that Postgres refuses: the NUL character
 * (text and jsonb cannot hold it) and unpaired surrogates (not UTF-8; jsonb refuses their
 * escapes). A request carrying one would fail in the database, as a 500; it is refused first.
 * Walks without recursion, so no nesting depth a 1 MB body can reach overflows the stack.
 */
export function findUnstorableText(value: unknown, limit = 10): UnstorableText[] {
  if (typeof value === 'object' && value !== null && storable.has(value)) return [];
  const found: UnstorableText[] = [];
  const queue: Node[] = [{ value, parent: null, key: null }];
  for (let head = 0; head < queue.length && found.length < limit; head++) {
    const node = queue[head] as Node;
    const { value: v } = node;
    if (typeof v === 'string') {
      const message = problemOf(v);
      if (message) found.push({ path: pathOf(node), message });
    } else if (Array.isArray(v)) {
      v.forEach((item, index) => queue.push({ value: item, parent: node, key: index }));
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, item] of Object.entries(v)) {
        const message = problemOf(key);
        if (message) found.push({ path: pathOf(node), message: `has a key that ${message}` });
        queue.push({ value: item, parent: node, key });
      }
    }
  }
  return found.slice(0, limit);
}
