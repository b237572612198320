import { type Provider } from '@nestjs/common';
import { type CommonEnv, RepositorySql, SERVICE_CONFIG } from '@switchyard/service';

/** The SQL runner of every payments repository, in the service's schema. */
export const repositorySqlProvider: Provider = {
  provide: RepositorySql,
  inject: [SERVICE_CONFIG],
  useFactory: (config: CommonEnv) => new RepositorySql(config.DB_SCHEMA),
};
