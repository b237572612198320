import './tracing';
import 'reflect-metadata';
import { bootstrapService, loadConfig, runService } from '@switchyard/service';
import { AppModule } from './app/app.module';
import { OrdersEnv } from './app/orders-env';

runService(async () => {
  const config = loadConfig(OrdersEnv);
  await bootstrapService(AppModule.forRoot(config), config);
});
