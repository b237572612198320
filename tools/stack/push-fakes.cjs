// Local stand-ins for Apple's and Google's push services, for `npm start` without real
// credentials: the fakes the tests use (libs/testing, built to dist/libs/testing), so that
// notifications sends real HTTP/2 and HTTP requests and the developer sees what it sent.
//
//   node tools/stack/push-fakes.cjs <folder for the key files> <port of the pushes viewer>
//
// Writes a fresh APNs .p8 key, the throwaway CA and a service-account JSON into the folder
// (mode 600: they are keys, even if worthless ones), then prints one line
// `push-fakes ready {"env":{…}}` with the APNS_* and FCM_* settings that point notifications at
// the fakes. Every push they receive is logged on one line and kept (the last 500) for
// `GET /pushes` on the viewer port. Stops on SIGTERM, SIGINT, or when stdin closes (the stack
// that started it is gone).
const { generateKeyPairSync } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const built = (name) => require(path.join(root, 'dist/libs/testing/src/lib/push', name));
const { FakeApnsServer } = built('fake-apns-server.js');
const { FakeGoogleOAuth } = built('fake-google-oauth.js');
const { FakeFcm } = built('fake-fcm.js');

// What a device registered locally must name as its `app`: the fakes refuse other bundle ids
// and projects, as Apple and Google refuse apps a key does not cover.
const APNS_BUNDLE_ID = 'com.example.shop';
const FIREBASE_PROJECT = 'example-shop';
// Shaped as Apple's are (ten capitals and digits): notifications checks the format at start.
const APNS_KEY_ID = 'LOCALKEY01';
const APNS_TEAM_ID = 'LOCALTEAM1';
const KEPT = 500;
const POLL_MS = 200;

const [folder, viewerPortArg] = process.argv.slice(2);
if (!folder || !viewerPortArg) {
  process.stderr.write('usage: node tools/stack/push-fakes.cjs <key folder> <viewer port>\n');
  process.exit(2);
}
const viewerPort = Number(viewerPortArg);
const log = (line) => process.stdout.write(`${line}\n`);

function writeSecret(name, text) {
  const file = path.join(folder, name);
  fs.writeFileSync(file, text, { mode: 0o600 });
  // The mode above applies only to a new file; one left by an earlier run keeps its own.
  fs.chmodSync(file, 0o600);
  return file;
}

const pushes = [];
function keep(push) {
  pushes.push(push);
  if (pushes.length > KEPT) pushes.splice(0, pushes.length - KEPT);
  // Enough of a token to tell devices apart in the log; GET /pushes has it whole.
  const token = !push.token
    ? '(no token)'
    : push.token.length > 12
      ? `${push.token.slice(0, 12)}…`
      : push.token;
  const outcome = push.status === 200 ? 'accepted' : `refused ${push.status} ${push.reason ?? ''}`;
  const text = [push.title, push.body].filter(Boolean).join(' — ');
  log(`${push.platform} ${outcome.trim()}: ${push.app} ${token} ${text ? `"${text}"` : ''}`.trim());
}

function apnsPush(n, productionAuthority) {
  const alert = n.payload?.aps?.alert;
  return {
    platform: 'apns',
    at: new Date(n.at).toISOString(),
    token: n.token,
    app: n.headers['apns-topic'] ?? null,
    environment: n.authority.startsWith(productionAuthority) ? 'production' : 'sandbox',
    status: n.status,
    reason: n.reason,
    title: typeof alert === 'object' ? (alert?.title ?? null) : (alert ?? null),
    body: typeof alert === 'object' ? (alert?.body ?? null) : null,
    headers: Object.fromEntries(
      Object.entries(n.headers).filter(([name]) => name.startsWith('apns-') && name !== 'apns-id'),
    ),
    payload: n.payload,
  };
}

function fcmPush(message, status, reason, project, token) {
  return {
    platform: 'fcm',
    at: new Date().toISOString(),
    token,
    app: project,
    status,
    reason,
    title: message?.notification?.title ?? null,
    body: message?.notification?.body ?? null,
    message,
  };
}

/**
 * Moves what the fakes recorded into `pushes`. The fakes keep every request for the tests'
 * assertions; a stack left running for days must not, so their records are emptied here.
 */
function collect(apns, fcm, productionAuthority) {
  for (const n of apns.received.splice(0)) keep(apnsPush(n, productionAuthority));
  for (const r of fcm.requests.splice(0)) {
    if (r.status !== 200) keep(fcmPush(null, r.status, r.errorCode, r.project, r.token));
  }
  for (const m of fcm.received.splice(0)) {
    keep(fcmPush(m.message, 200, null, m.project, m.message.token ?? null));
  }
}

function serveViewer() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://push-fakes.invalid');
    const json = (status, body) =>
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(body, null, 2)}\n`);
    if (url.pathname !== '/pushes') return json(404, { error: 'try GET /pushes' });
    if (req.method === 'DELETE') {
      pushes.length = 0;
      return res.writeHead(204).end();
    }
    if (req.method !== 'GET') return json(405, { error: 'GET or DELETE' });
    const token = url.searchParams.get('token');
    const platform = url.searchParams.get('platform');
    return json(
      200,
      pushes.filter((p) => (!token || p.token === token) && (!platform || p.platform === platform)),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(viewerPort, '127.0.0.1', () => resolve(server));
  });
}

async function main() {
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  fs.chmodSync(folder, 0o700);
  // Fresh keys each run: nothing outside this machine trusts them, so nothing is worth keeping.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const apns = await FakeApnsServer.start({
    publicKey,
    keyId: APNS_KEY_ID,
    teamId: APNS_TEAM_ID,
    topics: [APNS_BUNDLE_ID],
  });
  const oauth = new FakeGoogleOAuth();
  await oauth.start();
  // Its token_uri names the fake's port, which changes from run to run.
  const account = oauth.createServiceAccount(FIREBASE_PROJECT);
  const fcm = new FakeFcm({ oauth, projects: [account.projectId] });
  const fcmUrl = await fcm.start();
  const viewer = await serveViewer();

  // The fake answers on both names, standing for Apple's production and sandbox hosts.
  const productionHost = '127.0.0.1';
  const timer = setInterval(() => collect(apns, fcm, productionHost), POLL_MS);
  const env = {
    APNS_KEY_FILE: writeSecret(
      `AuthKey_${APNS_KEY_ID}.p8`,
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    ),
    APNS_KEY_ID,
    APNS_TEAM_ID,
    APNS_HOST: productionHost,
    APNS_SANDBOX_HOST: 'localhost',
    APNS_PORT: String(apns.port),
    APNS_CA_FILE: writeSecret('apns-ca.pem', apns.caPem),
    FCM_SERVICE_ACCOUNT_FILE: writeSecret('service-account.json', account.keyFile),
    FCM_BASE_URL: fcmUrl,
  };
  log(
    `push-fakes ready ${JSON.stringify({ env, apnsBundleId: APNS_BUNDLE_ID, firebaseProject: FIREBASE_PROJECT })}`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    viewer.closeAllConnections();
    await Promise.all([
      apns.stop(),
      fcm.stop(),
      oauth.stop(),
      new Promise((resolve) => viewer.close(resolve)),
    ]);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop).resume();
}

main().catch((err) => {
  process.stderr.write(`push fakes did not start: ${err.stack ?? err}\n`);
  process.exit(1);
});
