import { commonEnv } from '@switchyard/service';
import { type z } from 'zod';

export const OrdersEnv = commonEnv({ port: 3001, schema: 'orders', clientId: 'orders' });
export type OrdersConfig = z.infer<typeof OrdersEnv>;
