// What one webhook POST costs the sending process in CPU with undici's `request` against its
// `dispatch` and a handler of our own (`postForAnswer` in apps/notifications): the same POSTs to
// a loopback server in a process of its own, 64 in flight over a 16-connection Agent, each answer
// read up to 4 KB, with a deadline timer per request. `request` wraps every answer in a stream
// read through an async iterator, plus an async resource and abort listeners; the handler keeps
// the status, `retry-after` and the first bytes. Runs alternate, so the machine's drift hits both.
// Usage: node tools/bench/probes/undici-post-cost.mjs [posts per run] [runs of each]
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const [posts = 40_000, runs = 3] = process.argv.slice(2).map(Number);
const IN_FLIGHT = 64;
const LIMIT = 4096;

if (process.env.POST_COST_SERVER) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  });
  server.listen(0, '127.0.0.1', () => process.send?.(server.address().port));
} else {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, POST_COST_SERVER: '1' },
  });
  const port = await new Promise((resolve) => child.once('message', resolve));
  const url = new URL(`http://127.0.0.1:${port}/hook`);
  const agent = new Agent({ connections: 16, pipelining: 1 });
  const body = JSON.stringify({ type: 'order.paid', data: 'x'.repeat(400) });
  const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_probe' };

  const viaRequest = async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10_000);
    const res = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers,
      body,
      signal: controller.signal,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const chunks = [];
    let kept = 0;
    for await (const chunk of res.body) {
      if (kept < LIMIT) chunks.push(chunk.subarray(0, LIMIT - kept));
      kept += chunk.length;
    }
    clearTimeout(timer);
    return Buffer.concat(chunks).toString('utf8');
  };

  const viaDispatch = () =>
    new Promise((resolve, reject) => {
      const chunks = [];
      let kept = 0;
      let controller = null;
      const timer = setTimeout(() => controller?.abort(new Error('timed out')), 10_000);
      agent.dispatch(
        {
          origin: url.origin,
          path: url.pathname,
          method: 'POST',
          headers,
          body,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        },
        {
          onRequestStart: (c) => (controller = c),
          onResponseStart: () => undefined,
          onResponseData: (_c, chunk) => {
            if (kept < LIMIT) chunks.push(Buffer.from(chunk.subarray(0, LIMIT - kept)));
            kept += chunk.length;
          },
          onResponseEnd: () => {
            clearTimeout(timer);
            resolve(Buffer.concat(chunks).toString('utf8'));
          },
          onResponseError: (_c, err) => {
            clearTimeout(timer);
            reject(err);
          },
        },
      );
    });

  const measure = async (post) => {
    let started = 0;
    const cpu = process.cpuUsage();
    const wall = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (started < posts) {
          started++;
          await post();
        }
      }),
    );
    const used = process.cpuUsage(cpu);
    return {
      perSecond: Math.round((posts / (performance.now() - wall)) * 1000),
      cpuMsPerPost: (used.user + used.system) / 1000 / posts,
    };
  };

  await measure(viaDispatch); // warm-up of both paths and of the connections
  await measure(viaRequest);
  console.log('| run | client | POSTs/s | client CPU ms per POST |\n|---:|---|---:|---:|');
  for (let run = 1; run <= runs; run++) {
    for (const [name, post] of [
      ['request', viaRequest],
      ['dispatch + handler', viaDispatch],
    ]) {
      const { perSecond, cpuMsPerPost } = await measure(post);
      console.log(
        `| ${run} | ${name} | ${perSecond.toLocaleString('en-US')} | ${cpuMsPerPost.toFixed(3)} |`,
      );
    }
  }
  await agent.close();
  child.kill();
}
