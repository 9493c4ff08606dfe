// The ops port's /debug views: off unless enabled; on, loopback callers only, or a bearer token.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { HealthChecks } from './health-checks';
import { debugAccessDecision, OpsServer } from './ops-server';

describe('debugAccessDecision', () => {
  const digest = createHash('sha256').update('0123456789abcdef-token').digest();
  it.each([
    ['off', 404, undefined, '127.0.0.1', undefined],
    ['enabled: false', 404, { enabled: false }, '127.0.0.1', undefined],
    ['loopback v4', 200, { enabled: true }, '127.0.0.1', undefined],
    ['loopback v4-mapped', 200, { enabled: true }, '::ffff:127.0.0.1', undefined],
    ['loopback v6', 200, { enabled: true }, '::1', undefined],
    ['another machine', 403, { enabled: true }, '10.1.2.3', undefined],
    ['no address', 403, { enabled: true }, undefined, undefined],
    ['the token', 200, { enabled: true, tokenDigest: digest }, '10.1.2.3', 'Bearer 0123456789abcdef-token'],
    ['a wrong token', 401, { enabled: true, tokenDigest: digest }, '10.1.2.3', 'Bearer 0123456789abcdef-tokem'],
    ['no token, even from loopback', 401, { enabled: true, tokenDigest: digest }, '127.0.0.1', undefined],
    ['a token not as Bearer', 401, { enabled: true, tokenDigest: digest }, '127.0.0.1', '0123456789abcdef-token'],
  ])('%s -> %d', (_name, status, access, remoteAddress, authorization) => {
    expect(debugAccessDecision(access, { remoteAddress, authorization }).status).toBe(status);
  });
});

describe('OpsServer /debug', () => {
  const servers: OpsServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'llmd-ops-'));
  afterAll(async () => Promise.all(servers.map((s) => s.stop())));

  async function start(debugAccess: { enabled: boolean; tokenFile?: string } | undefined): Promise<number> {
    const server = new OpsServer({ host: '127.0.0.1', port: 0, registry: new Registry(), health: new HealthChecks(), debug: new Map([['decisions', () => [{ requestId: 'r1' }]]]), debugAccess });
    servers.push(server);
    return server.start();
  }

  it('serves nothing under /debug by default, and /metrics, /healthz as always', async () => {
    const port = await start(undefined);
    expect((await fetch(`http://127.0.0.1:${port}/debug/decisions`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('enabled, answers a loopback caller', async () => {
    const port = await start({ enabled: true });
    const res = await fetch(`http://127.0.0.1:${port}/debug/decisions`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ requestId: 'r1' }]);
  });

  it('with a token file, answers the bearer of its token only', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'a-debug-token-of-some-length\n');
    const port = await start({ enabled: true, tokenFile });
    expect((await fetch(`http://127.0.0.1:${port}/debug/decisions`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/debug/decisions`, { headers: { authorization: 'Bearer a-debug-token-of-some-length' } })).status).toBe(200);
  });

  it('refuses to start with an unreadable or short token file, naming ops.debug.tokenFile', async () => {
    await expect(start({ enabled: true, tokenFile: join(dir, 'missing') })).rejects.toThrow(/invalid config: ops\.debug\.tokenFile: cannot read .*missing \(ENOENT\)/);
    const short = join(dir, 'short');
    writeFileSync(short, 'abc');
    await expect(start({ enabled: true, tokenFile: short })).rejects.toThrow(/ops\.debug\.tokenFile: the token .* is shorter than 16 characters/);
  });
});
