// Creates the database named in DATABASE_URL when it does not exist yet (services then create
// their own schemas and run their migrations at start).
const { Client } = require('pg');

async function main() {
  const target = new URL(
    process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/switchyard',
  );
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-zA-Z0-9_]+$/.test(name))
    throw new Error(`Unexpected database name "${name}" in DATABASE_URL`);
  const admin = new URL(target);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`);
      process.stdout.write(`Postgres: created database ${name}\n`);
    }
  } finally {
    await client.end();
  }
}

main().catch((err) => {
  process.stderr.write(`Could not prepare the database: ${err.message}\n`);
  process.exit(1);
});
