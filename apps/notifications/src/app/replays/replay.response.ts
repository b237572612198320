import { z } from 'zod';

/** How many deliveries a replay queued again. */
export const ReplayedResponse = z.object({ replayed: z.number().int() });
export type ReplayedResponse = z.infer<typeof ReplayedResponse>;
