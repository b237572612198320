import { orderTotal } from './order-total';

describe('the total of an order', () => {
  it('sums quantity times unit price over the lines', () => {
    // Given two lines
    const lines = [
      { quantity: 2, unitPrice: 1250 },
      { quantity: 1, unitPrice: 799 },
    ];

    // When they are totalled, Then the sum is exact
    expect(orderTotal(lines)).toBe(3299n);
  });

  it('stays exact past Number.MAX_SAFE_INTEGER, where numbers round', () => {
    // Given a line whose product is 10^18 + 10^6, beyond 2^53
    const lines = [{ quantity: 1_000_001, unitPrice: 999_999_999_999 + 1 }];

    // When it is totalled
    const total = orderTotal(lines);

    // Then every digit is kept
    expect(total).toBe(1_000_001n * 1_000_000_000_000n);
    expect(total > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('is zero for no lines', () => {
    // Given no lines, When they are totalled, Then the total is 0
    expect(orderTotal([])).toBe(0n);
  });
});
