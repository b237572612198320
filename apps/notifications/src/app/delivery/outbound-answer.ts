/**
 * What the service's outbound HTTP calls (webhooks, FCM and its token endpoint) make of a failure
 * or an answer, with undici.
 */

/**
 * The failure's code as a string. Node and undici put a string in `code` (or in the cause's);
 * a DOMException (an aborted or timed-out request) has a number there and its name is the code.
 */
export function errorCodeOf(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | null;
  const code = [e?.code, e?.cause?.code, e?.name].find((c) => typeof c === 'string' && c !== '');
  return (code as string | undefined) ?? 'UNKNOWN';
}

/** Keeps the first `limit` bytes of an answer and discards the rest without buffering it. */
export async function readLimited(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of body) {
    if (kept < limit) {
      chunks.push(chunk.subarray(0, limit - kept));
      kept += Math.min(chunk.length, limit - kept);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
