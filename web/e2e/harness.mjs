// Browser-test harness: builds and starts the real tinomail binary on a free
// port with a fresh data dir, creates API keys with its CLI, ingests events
// through the HTTP API, and drives Debian's Chromium with playwright-core
// (never a downloaded browser).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
/** Screenshots go here (git-ignored). */
export const outDir = resolve(here, '../test-output');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let builtBin = null;

/** binary returns the tinomail binary: $TINOMAIL_BIN, or a fresh go build of the repo. */
export function binary() {
  if (process.env.TINOMAIL_BIN) return resolve(repoRoot, process.env.TINOMAIL_BIN);
  if (builtBin) return builtBin;
  const dir = mkdtempSync(join(tmpdir(), 'tinomail-web-bin-'));
  builtBin = join(dir, 'tinomail');
  execFileSync('go', ['build', '-o', builtBin, './cmd/tinomail'], { cwd: repoRoot, stdio: 'inherit' });
  return builtBin;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * startServer runs tinomail serve and returns a handle with its URL, keys and
 * helpers; args are added to serve's flags (e.g. --zonemta-nodes).
 */
export async function startServer({ args = [] } = {}) {
  const bin = binary();
  const dataDir = mkdtempSync(join(tmpdir(), 'tinomail-web-data-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout.on('data', (b) => (log += b));
  proc.stderr.on('data', (b) => (log += b));
  let exited = false;
  proc.on('exit', () => (exited = true));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error('tinomail serve exited at start:\n' + log);
    try {
      const r = await fetch(url + '/readyz');
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('tinomail serve not ready within 30s:\n' + log);
    await sleep(100);
  }
  const cli = (args, input) =>
    execFileSync(bin, [...args, '--data-dir', dataDir], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  const ingestKey = cli(['apikey', 'create', '--name', 'web-e2e-ingest', '--scope', 'ingest']);
  const readKey = cli(['apikey', 'create', '--name', 'web-e2e-read', '--scope', 'read']);

  const server = {
    url,
    dataDir,
    ingestKey,
    readKey,
    cli,
    log: () => log,
    /** ingest posts events and waits for the 202. */
    async ingest(events) {
      const r = await fetch(url + '/api/v1/events/ingest', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'x-api-key': ingestKey },
        body: JSON.stringify(events),
      });
      const body = await r.json();
      if (r.status !== 202 || body.rejected !== 0) throw new Error(`ingest: ${r.status} ${JSON.stringify(body)}`);
      return body;
    },
    /** api GETs a read endpoint with the read key. */
    async api(path) {
      const r = await fetch(url + '/api/v1' + path, { headers: { Authorization: 'Bearer ' + readKey } });
      if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
      return r.json();
    },
    /** waitFor polls fn until it returns a truthy value. */
    async waitFor(what, fn, timeout = 10_000) {
      const end = Date.now() + timeout;
      for (;;) {
        const v = await fn();
        if (v) return v;
        if (Date.now() > end) throw new Error('timed out waiting for ' + what);
        await sleep(50);
      }
    },
    async stop() {
      proc.kill('SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await sleep(100);
      if (!exited) proc.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** launch starts Chromium with a fresh profile at the given viewport. */
export async function launch({ width = 1280, height = 900, theme = 'light' } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium`);
  const profile = mkdtempSync(join(tmpdir(), 'tinomail-web-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width, height },
    colorScheme: theme,
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/** createUser makes a dashboard user with the CLI: `tinomail user add` reads the password from stdin. */
export function createUser(server, username, role, password) {
  server.cli(['user', 'add', '--username', username, '--role', role], `${password}\n`);
}

/**
 * login is the one way tests get a dashboard session: it creates the user
 * once with the CLI and logs in through the login form, as a person does.
 */
export async function login(server, page, { role = 'admin' } = {}) {
  const username = `e2e-${role}`;
  const password = `pw-${role}-correct-horse-battery`;
  server.users ??= new Set();
  if (!server.users.has(username)) {
    createUser(server, username, role, password);
    server.users.add(username);
  }
  await page.goto(server.url + '/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return { username, password };
}

/** chartSeries reads what an ECharts instance draws: series names and data. */
export async function chartSeries(page, label) {
  return page.evaluate((label) => {
    const el = document.querySelector(`[data-chart="${label}"]`);
    if (!el) return null;
    const inst = window.__echarts?.getInstanceByDom(el);
    if (!inst) return null;
    const opt = inst.getOption();
    return {
      series: opt.series.map((s) => ({ name: s.name, type: s.type, stack: s.stack ?? null, data: s.data })),
      xAxis: opt.xAxis?.[0]?.data ?? null,
    };
  }, label);
}

export function screenshotPath(name) {
  mkdirSync(outDir, { recursive: true });
  return join(outDir, name + '.png');
}
