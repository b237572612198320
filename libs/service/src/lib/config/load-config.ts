import { type z } from 'zod';
import { ConfigError } from './config-error';
import { shownValue } from './shown-value';

/** Validates environment variables against `schema`; every bad variable is named at once. */
export function loadConfig<T extends z.ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      // A list variable's issue path ends in the item's index; the variable is the first segment.
      const variable = String(issue.path[0] ?? '(environment)');
      const value = env[variable];
      const shown = value === undefined ? 'it is not set' : `got ${shownValue(variable, value)}`;
      return `${variable}: ${issue.message} (${shown})`;
    }),
  );
}
