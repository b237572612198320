import { type NotificationsConfig } from '../../notifications-env';
import { type SessionLifetime } from './console-session.repository';

/** Session lifetimes from the configuration, in seconds. */
export function sessionLifetime(config: NotificationsConfig): SessionLifetime {
  return {
    idleSeconds: config.CONSOLE_SESSION_IDLE_MINUTES * 60,
    maxSeconds: config.CONSOLE_SESSION_MAX_HOURS * 3600,
  };
}
