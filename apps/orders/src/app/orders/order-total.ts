/** A line as far as its price goes: how many, at how much each (minor units). */
export interface PricedLine {
  readonly quantity: number;
  readonly unitPrice: number;
}

/**
 * The sum of quantity × unit price over the lines, exactly: in bigint, because a product or a
 * sum of safe integers can pass Number.MAX_SAFE_INTEGER, where a number silently rounds.
 */
export function orderTotal(lines: readonly PricedLine[]): bigint {
  return lines.reduce((sum, l) => sum + BigInt(l.quantity) * BigInt(l.unitPrice), 0n);
}
