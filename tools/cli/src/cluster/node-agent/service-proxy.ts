// Services, as kube-proxy and cluster DNS make them: each ClusterIP (allocated by the apiserver from a
// loopback range, 127.96.0.0/16) is listened on here, port by port, and every connection is passed to
// a ready pod the Service selects (round robin, the next one when a pod refuses). The names resolve
// through a hosts file the preload of every pod's process reads. The apiserver refuses loopback
// addresses in Endpoints, so the endpoints are computed here from the pods, as the
// EndpointSlice controller would.
import { createServer, connect, Server, Socket } from 'node:net';
import { renameSync, writeFileSync } from 'node:fs';
import type { KubeConfig, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Informer } from '@llmd/controller-kit';

/**
 * A service outside the cluster that pods reach by a Service name in every namespace (the local Kafka
 * broker as `llmd-kafka-bootstrap:9092`, the charts' default): its own loopback address and port here,
 * forwarded to where it runs.
 */
export interface ExternalService {
  name: string;
  port: number;
  target: { host: string; port: number };
}

/** The node's InternalIP, where NodePort Services are listened on. */
export const NODE_ADDRESS = '127.0.0.1';

/** Where outside services listen: the first free address of 127.97.0.1-254 for their port. */
const EXTERNAL_PREFIX = '127.97.0.';

const SERVICES = { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true };
const PODS = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };

/** A pod is an endpoint while it is Ready, has an IP and is not being deleted. */
export function isEndpoint(pod: V1Pod): boolean {
  return !pod.metadata?.deletionTimestamp && !!pod.status?.podIP && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function selects(service: V1Service, pod: V1Pod): boolean {
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return false;
  if (pod.metadata?.namespace !== service.metadata?.namespace) return false;
  return Object.entries(selector).every(([k, v]) => pod.metadata?.labels?.[k] === v);
}

/** The pod port a Service port reaches: targetPort as a number, or the container port of that name. */
export function targetPort(port: V1ServicePort, pod: V1Pod): number | undefined {
  const t = port.targetPort ?? port.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(String(t))) return Number(t);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === t) return p.containerPort;
  return undefined;
}

/** The hosts file's entries: every Service's FQDN to its ClusterIP (or, headless, a ready pod's IP). */
export function hostsEntries(services: V1Service[], pods: V1Pod[], externals: { name: string; address: string }[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  // `*`: the name in every namespace (a Service of the same name in a namespace wins there).
  for (const e of externals) out[`${e.name}.*.svc.cluster.local`] = e.address;
  for (const s of services) {
    const fqdn = `${s.metadata?.name}.${s.metadata?.namespace}.svc.cluster.local`;
    const ip = s.spec?.clusterIP;
    if (ip && ip !== 'None') out[fqdn] = ip;
    else {
      const pod = pods.find((p) => selects(s, p) && isEndpoint(p));
      if (pod?.status?.podIP) out[fqdn] = pod.status.podIP;
    }
  }
  return out;
}

export class ServiceProxy {
  private readonly services: Informer<V1Service>;
  private readonly pods: Informer<V1Pod>;
  private readonly listeners = new Map<string, Server>();
  private readonly next = new Map<string, number>();
  private readonly externalAddresses: { name: string; address: string }[] = [];
  private syncTimer?: NodeJS.Timeout;

  constructor(
    kc: KubeConfig,
    private readonly hostsFile: string,
    private readonly logger: Logger,
    private readonly externals: ExternalService[] = [],
  ) {
    this.services = new Informer<V1Service>(kc, SERVICES, { logger });
    this.pods = new Informer<V1Pod>(kc, PODS, { logger });
  }

  async start(): Promise<void> {
    const changed = () => this.scheduleSync();
    this.services.on(changed);
    this.pods.on(changed);
    await Promise.all([this.services.start(), this.pods.start()]);
    for (const e of this.externals) {
      const server = createServer((client) => this.pipe(client, [e.target], 0));
      const address = await listenOnFree(server, e.port, this.externalAddresses.map((x) => x.address));
      this.externalAddresses.push({ name: e.name, address });
      this.listeners.set(`external:${e.name}`, server);
      this.logger.info({ service: e.name, address: `${address}:${e.port}`, target: `${e.target.host}:${e.target.port}` }, 'outside service reachable by name');
    }
    this.sync();
  }

  stop(): void {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.services.stop();
    this.pods.stop();
    for (const server of this.listeners.values()) server.close();
    this.listeners.clear();
  }

  private scheduleSync(): void {
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      this.sync();
    }, 50);
  }

  private sync(): void {
    const services = this.services.list();
    const pods = this.pods.list();
    const tmp = `${this.hostsFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(hostsEntries(services, pods, this.externalAddresses)));
    renameSync(tmp, this.hostsFile);
    const wanted = new Set<string>();
    for (const s of services) {
      const ip = s.spec?.clusterIP;
      if (!ip || ip === 'None') continue;
      for (const port of s.spec?.ports ?? []) {
        if ((port.protocol ?? 'TCP') !== 'TCP') continue;
        const serviceKey = `${s.metadata?.namespace}/${s.metadata?.name}`;
        // The ClusterIP, and for a NodePort or LoadBalancer Service the node port on the node's address.
        const addresses: [string, number][] = [[ip, port.port]];
        if (port.nodePort && (s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer')) addresses.push([NODE_ADDRESS, port.nodePort]);
        for (const [address, p] of addresses) {
          const key = `${address}:${p}`;
          wanted.add(key);
          if (!this.listeners.has(key)) this.listen(key, address, p, serviceKey, port.name);
        }
      }
    }
    for (const [key, server] of this.listeners) {
      if (wanted.has(key) || key.startsWith('external:')) continue;
      server.close();
      this.listeners.delete(key);
    }
  }

  /** The ready pods of the Service now, with the port this Service port reaches on each. */
  private endpoints(serviceKey: string, portName: string | undefined): { ip: string; port: number }[] {
    const [ns, name] = serviceKey.split('/');
    const service = this.services.get(ns, name);
    const port = service?.spec?.ports?.find((p) => p.name === portName) ?? service?.spec?.ports?.[0];
    if (!service || !port) return [];
    const out: { ip: string; port: number }[] = [];
    for (const pod of this.pods.list(ns)) {
      if (!selects(service, pod) || !isEndpoint(pod)) continue;
      const p = targetPort(port, pod);
      const ip = pod.status?.podIP;
      if (p !== undefined && ip) out.push({ ip, port: p });
    }
    return out;
  }

  private listen(key: string, ip: string, port: number, serviceKey: string, portName: string | undefined): void {
    const server = createServer((client) => this.forward(client, key, serviceKey, portName));
    server.on('error', (err) => this.logger.warn({ service: serviceKey, address: key, err: err.message }, 'cannot listen on the Service address'));
    server.listen(port, ip);
    this.listeners.set(key, server);
  }

  private forward(client: Socket, key: string, serviceKey: string, portName: string | undefined): void {
    const targets = this.endpoints(serviceKey, portName);
    if (targets.length === 0) return void client.destroy();
    const first = (this.next.get(key) ?? 0) % targets.length;
    this.next.set(key, first + 1);
    this.pipe(client, targets.map((t) => ({ host: t.ip, port: t.port })), first);
  }

  /** Connects the client to the first target that accepts, starting at `first`, and pipes both ways. */
  private pipe(client: Socket, targets: { host: string; port: number }[], first: number): void {
    const attempt = (i: number): void => {
      if (i >= targets.length) return void client.destroy();
      const t = targets[(first + i) % targets.length];
      const upstream = connect(t.port, t.host);
      // A pod that refuses before the connection is made: the next one (kube-proxy would not retry; this is kinder, see README).
      const refused = () => attempt(i + 1);
      upstream.once('error', refused);
      upstream.once('connect', () => {
        upstream.off('error', refused);
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
      });
    };
    attempt(0);
  }
}

/** Listens on the first 127.97.0.N where the port is free (another cluster on this machine may hold one). */
async function listenOnFree(server: Server, port: number, taken: string[]): Promise<string> {
  for (let n = 1; n < 255; n++) {
    const address = `${EXTERNAL_PREFIX}${n}`;
    if (taken.includes(address)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const onError = () => resolve(false);
      server.once('error', onError);
      server.listen(port, address, () => {
        server.off('error', onError);
        resolve(true);
      });
    });
    if (ok) return address;
  }
  throw new Error(`no free address in ${EXTERNAL_PREFIX}0/24 for port ${port}`);
}
