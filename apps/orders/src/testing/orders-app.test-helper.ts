import { loadConfig } from '@switchyard/service';
import { type InProcessService, startInProcessService } from '@switchyard/service-testing';
import { AppModule } from '../app/app.module';
import { OrdersEnv } from '../app/orders-env';

/** Orders in this process, on a fresh database and its own Kafka topic prefix. */
export function startOrdersApp(
  label: string,
  env: Record<string, string> = {},
): Promise<InProcessService> {
  return startInProcessService(
    label,
    (base) => AppModule.forRoot(loadConfig(OrdersEnv, base)),
    env,
  );
}
