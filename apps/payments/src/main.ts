import './tracing';
import 'reflect-metadata';
import { bootstrapService, loadConfig, runService } from '@switchyard/service';
import { AppModule } from './app/app.module';
import { PaymentsEnv } from './app/payments-env';

runService(async () => {
  const config = loadConfig(PaymentsEnv);
  await bootstrapService(AppModule.forRoot(config), config);
});
