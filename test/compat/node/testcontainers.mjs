// testcontainers (node, v11) scenarios for the compatibility suite, run as a child process so
// each run resolves its container runtime afresh from DOCKER_HOST (testcontainers caches it per
// process). Usage: node testcontainers.mjs nginx|busybox. Env: DOCKER_HOST=unix://<socket>,
// COMPAT_UID, COMPAT_REGISTRY; the suite sets TESTCONTAINERS_RYUK_DISABLED=true. Every started
// container is looked up through the engine's own API on DOCKER_HOST's socket (not through
// testcontainers), so a fallback to another engine's socket fails instead of passing.
// Protocol: "STEP <label>" on stdout, "ERROR <message>" on stderr and exit 1 on failure.
import http from 'node:http';
import { GenericContainer, Wait } from 'testcontainers';

const uid = process.env.COMPAT_UID;
const registry = process.env.COMPAT_REGISTRY;
const socket = (process.env.DOCKER_HOST ?? '').replace(/^unix:\/\//, '');

const step = (label) => process.stdout.write(`STEP ${label}\n`);
const check = (cond, msg) => { if (!cond) throw new Error(msg); };

function engineContainerIds() {
  return new Promise((resolve, reject) => {
    http.get({ socketPath: socket, path: '/containers/json?all=1' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`engine GET /containers/json: ${res.statusCode} ${body}`));
        else resolve(JSON.parse(body).map((c) => c.Id));
      });
    }).on('error', reject);
  });
}

async function onThisEngine(container) {
  const ids = await engineContainerIds();
  check(ids.includes(container.getId()), `container ${container.getId()} is not on the engine at ${socket} (a fallback to another engine?)`);
}

async function nginx(started) {
  step('start nginx with an exposed port');
  const c = await new GenericContainer(`${registry}/nginx:latest`)
    .withName(`${uid}-tc-nginx`)
    .withLabels({ compat: uid })
    .withExposedPorts(80)
    .withWaitStrategy(Wait.forListeningPorts())
    .withStartupTimeout(60_000)
    .start();
  started.push(c);
  step('container is on the target engine');
  await onThisEngine(c);
  step('reach the mapped port');
  const url = `http://${c.getHost()}:${c.getMappedPort(80)}/`;
  const body = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
  check(/Welcome to nginx/.test(body), `${url} answered ${JSON.stringify(body.slice(0, 200))}`);
  step('stop');
  await c.stop({ timeout: 2 });
  started.pop();
  check(!(await engineContainerIds()).includes(c.getId()), 'container still on the engine after stop');
}

async function busybox(started) {
  step('start busybox with an exposed port');
  const c = await new GenericContainer(`${registry}/busybox:latest`)
    .withName(`${uid}-tc-busybox`)
    .withLabels({ compat: uid })
    .withCommand(['sh', '-c', 'mkdir -p /www && echo hello-from-busybox > /www/index.html && exec httpd -f -p 8080 -h /www'])
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp('/', 8080))
    .withStartupTimeout(60_000)
    .start();
  started.push(c);
  step('container is on the target engine');
  await onThisEngine(c);
  step('reach the mapped port');
  const url = `http://${c.getHost()}:${c.getMappedPort(8080)}/`;
  const body = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
  check(body.trim() === 'hello-from-busybox', `${url} answered ${JSON.stringify(body)}`);
  step('exec');
  const r = await c.exec(['sh', '-c', 'echo exec-$((6*7))']);
  check(r.exitCode === 0 && r.output.trim() === 'exec-42', `exec ${JSON.stringify(r)}`);
  step('logs');
  const logs = await c.logs();
  check(typeof logs.on === 'function', 'logs is not a stream');
  logs.destroy();
  step('stop');
  await c.stop({ timeout: 2 });
  started.pop();
  check(!(await engineContainerIds()).includes(c.getId()), 'container still on the engine after stop');
}

const scenarios = { nginx, busybox };
const started = [];
let code = 0;
try {
  check(socket.startsWith('/'), `DOCKER_HOST must be unix://<path>, got ${process.env.DOCKER_HOST}`);
  check(process.env.TESTCONTAINERS_RYUK_DISABLED === 'true', 'TESTCONTAINERS_RYUK_DISABLED must be true');
  await scenarios[process.argv[2]](started);
} catch (err) {
  process.stderr.write(`${err?.stack ?? err}\nERROR ${String(err?.message ?? err).replace(/\n/g, ' ')}\n`);
  code = 1;
} finally {
  for (const c of started) {
    try { await c.stop({ timeout: 1 }); } catch (err) { process.stderr.write(`CLEANUP stop ${c.getId()}: ${err?.message ?? err}\n`); code ||= 2; }
  }
}
process.exit(code);
