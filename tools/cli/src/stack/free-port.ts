// Free ports for test stacks and local clusters, released for the caller to bind.
//
// They are drawn below the kernel's ephemeral range. A port the kernel hands out for `listen(0)` is one
// it also hands out as the source port of an outgoing connection: a service that stops (a chaos kill, a
// broker outage) and starts again on the same port can then find it taken by a client's connection
// to something else, and etcd's ports (the cluster's --port + 1 and + 2) were never checked at all.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Lowest port handed out: above the well-known and most registered service ports. */
const LOWEST = 10000;

/** Ports handed out by this process, never handed out twice. */
const given = new Set<number>();

/** The kernel's ephemeral range, or undefined where it cannot be read (then the kernel chooses). */
function ephemeralRange(): [number, number] | undefined {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && Number.isInteger(high) && low > LOWEST + 1000 ? [low, high] : undefined;
  } catch {
    return undefined;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function kernelPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * The first port of `length` consecutive free ports (a cluster's --port takes five: the apiserver's,
 * etcd's two and its own Kafka broker's two), none handed out before by this process.
 */
export async function freePortRun(length: number): Promise<number> {
  const range = ephemeralRange();
  for (let attempt = 0; attempt < 500; attempt++) {
    const start = range ? LOWEST + Math.floor(Math.random() * (range[0] - LOWEST - length)) : await kernelPort();
    const ports = Array.from({ length }, (_, i) => start + i);
    if (ports.some((p) => given.has(p) || p > 65535)) continue;
    if (!(await Promise.all(ports.map(bindable))).every(Boolean)) continue;
    for (const p of ports) given.add(p);
    return start;
  }
  throw new Error(`no run of ${length} free ports found on 127.0.0.1`);
}

/** `count` free ports, each free on 127.0.0.1 when returned and none handed out before by this process. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePortRun(1));
  return ports;
}
