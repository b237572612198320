import './tracing';
import 'reflect-metadata';
import { bootstrapService, loadConfig, runService } from '@switchyard/service';
import { AppModule } from './app/app.module';
import { NotificationsEnv } from './app/notifications-env';

runService(async () => {
  const config = loadConfig(NotificationsEnv);
  await bootstrapService(AppModule.forRoot(config), config);
});
