import { z } from 'zod';

/** Whether the filter lets the event through, and if not, why not. */
export const FilterVerdictResponse = z.union([
  z.object({ match: z.literal(true) }),
  z.object({ match: z.literal(false), reason: z.string() }),
]);
export type FilterVerdictResponse = z.infer<typeof FilterVerdictResponse>;
