// End-to-end harness: a real `flowdns serve` (its own data directory, a fixed access key, the
// flat test GeoIP database, DNS on a free loopback port below the ephemeral range) and Debian's
// Chromium driven by playwright-core. Nothing is downloaded; nothing leaves loopback.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '..', '..');
export const BIN = process.env.FLOWDNS_BIN ? resolve(process.env.FLOWDNS_BIN) : join(ROOT, 'target', 'debug', 'flowdns');
export const GEOIP = join(ROOT, 'crates', 'geo', 'tests', 'data', 'dbip-flat-ipv4.mmdb');
export const ARTIFACTS = process.env.FLOWDNS_E2E_ARTIFACTS
  ? resolve(process.env.FLOWDNS_E2E_ARTIFACTS)
  : join(ROOT, 'web', 'test-results');
export const ACCESS_KEY_ID = 'AKIAFLOWDNSE2ETEST01';
export const SECRET = 'e2e-secret-access-key-0123456789abcdefghij';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function udpTcpFree(port) {
  const tcp = await new Promise((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
  if (!tcp) return false;
  return await new Promise((ok) => {
    const u = createSocket('udp4');
    u.once('error', () => ok(false));
    u.bind(port, '127.0.0.1', () => u.close(() => ok(true)));
  });
}

/** A port below the kernel's ephemeral range (dig's random source ports never land there). */
async function dnsPort() {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]) || 32768;
  } catch {}
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * Math.max(1, Math.min(low, 32768) - 20000));
    if (await udpTcpFree(port)) return port;
  }
  throw new Error('no free DNS port below the ephemeral range');
}

export class Server {
  constructor(proc, dataDir, logPath, api, dns) {
    Object.assign(this, { proc, dataDir, logPath, api, dns });
  }
  get url() {
    return `http://${this.api}/`;
  }
  log() {
    return readFileSync(this.logPath, 'utf8');
  }
  /** Runs the flowdns CLI on the server's store. */
  cli(...args) {
    const r = spawnSync(BIN, ['--data-dir', this.dataDir, ...args], { encoding: 'utf8', env: this.env });
    if (r.status !== 0) throw new Error(`flowdns ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout.trim();
  }
  /** dig against the server; returns the answer section's data. */
  dig(name, type = 'A', subnet) {
    const args = ['@127.0.0.1', '-p', String(this.dns), name, type, '+short', '+time=2', '+tries=2'];
    if (subnet) args.push(`+subnet=${subnet}`);
    const r = spawnSync('dig', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`dig failed: ${r.stderr}${r.stdout}`);
    return r.stdout.trim().split('\n').filter(Boolean).sort();
  }
  async stop() {
    if (this.proc.exitCode !== null) return;
    this.proc.kill('SIGTERM');
    await new Promise((ok) => {
      const t = setTimeout(() => (this.proc.kill('SIGKILL'), ok()), 5000);
      this.proc.once('exit', () => (clearTimeout(t), ok()));
    });
  }
}

export async function startServer() {
  if (!existsSync(BIN)) throw new Error(`${BIN} does not exist: build flowdns first (cargo build -p flowdns)`);
  const base = mkdtempSync(join(tmpdir(), 'flowdns-e2e-'));
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const logPath = join(base, 'flowdns.log');
  writeFileSync(logPath, '');
  const env = { ...process.env, FLOWDNS_LOG: 'info', NO_COLOR: '1', FLOWDNS_ACCESS_KEY_ID: ACCESS_KEY_ID, FLOWDNS_SECRET_ACCESS_KEY: SECRET };
  delete env.FLOWDNS_CONFIG;
  delete env.FLOWDNS_GEOIP;
  delete env.FLOWDNS_DATA_DIR;
  const port = await dnsPort();
  const { openSync } = await import('node:fs');
  const out = openSync(logPath, 'a');
  const proc = spawn(
    BIN,
    ['--data-dir', dataDir, 'serve', '--dns-listen', `127.0.0.1:${port}`, '--api-listen', '127.0.0.1:0', '--geoip', GEOIP, '--upstream', '127.0.0.1:9'],
    { env, stdio: ['ignore', out, out] },
  );
  const deadline = Date.now() + 30000;
  for (;;) {
    const text = readFileSync(logPath, 'utf8');
    const api = /serving the API over HTTP addr=(\S+)/.exec(text)?.[1];
    const dns = /serving DNS over UDP and TCP addr=(\S+)/.exec(text)?.[1];
    if (api && dns) {
      const s = new Server(proc, dataDir, logPath, api, Number(dns.split(':').pop()));
      s.env = env;
      return s;
    }
    if (proc.exitCode !== null) throw new Error(`flowdns serve exited with ${proc.exitCode}:\n${text}`);
    if (Date.now() > deadline) throw new Error(`flowdns serve did not start:\n${text}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

/** Chromium with a fresh profile (Playwright gives every launch its own temporary one). */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
