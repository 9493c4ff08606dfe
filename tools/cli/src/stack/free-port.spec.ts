import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { freePortRun, freePorts } from './free-port';

const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

describe('free ports', () => {
  it('hands out distinct ports below the kernel ephemeral range (where no outgoing connection takes them)', async () => {
    const ports = await freePorts(20);
    expect(new Set(ports).size).toBe(20);
    for (const p of ports) expect(p).toBeLessThan(ephemeralLow);
  });

  it('hands out a run of consecutive ports that can all be bound, never one handed out before', async () => {
    const start = await freePortRun(3);
    const servers = await Promise.all([start, start + 1, start + 2].map(listen));
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    const next = await freePortRun(3);
    expect([next, next + 1, next + 2].some((p) => p >= start && p <= start + 2)).toBe(false);
  });
});
