// Loaded (node --require) into every process the node agent runs, before the service's own code: it
// gives the process what a pod's network namespace and cluster DNS would. Three things, nothing else:
//  - a listener on every interface (0.0.0.0, ::, or no host) listens on the pod's IP instead, so two
//    pods can both listen on their container port, as in a cluster; ZeroMQ binds (`tcp://*:5557`,
//    vLLM's KV events) likewise;
//  - Service names (`svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`) resolve to the
//    Service's address from the hosts file the agent keeps; every other name resolves as usual;
//  - a connection to localhost on one of the pod's own container ports goes to the pod's IP: in a
//    pod, localhost is the pod (a sidecar reaching its model server). Other localhost ports (the
//    apiserver, the Kafka broker of the harness) are left alone.
// It must stay small and dependency-free: it runs in every pod's process.
import dns = require('node:dns');
import { readFileSync, statSync } from 'node:fs';
import * as net from 'node:net';
import Module = require('node:module');

const podIP = process.env.LLMD_POD_IP;
const namespace = process.env.LLMD_POD_NAMESPACE ?? 'default';
const hostsFile = process.env.LLMD_CLUSTER_HOSTS_FILE;
const podPorts = new Set((process.env.LLMD_POD_PORTS ?? '').split(',').filter(Boolean).map(Number));
const LOCALHOST = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
const ANY = new Set(['0.0.0.0', '::', '*', '']);

let hosts: Record<string, string> = {};
let hostsMtime = -1;

/** The cluster address of a Service name, or undefined for any other name. */
export function clusterAddress(name: string): string | undefined {
  if (!hostsFile) return undefined;
  try {
    const mtime = statSync(hostsFile).mtimeMs;
    if (mtime !== hostsMtime) {
      hosts = JSON.parse(readFileSync(hostsFile, 'utf8')) as Record<string, string>;
      hostsMtime = mtime;
    }
  } catch {
    return undefined;
  }
  const n = name.replace(/\.$/, '').toLowerCase();
  const parts = n.split('.');
  const fqdn = parts.length === 1 ? `${n}.${namespace}.svc.cluster.local` : parts.length === 2 ? `${n}.svc.cluster.local` : parts.length === 3 && parts[2] === 'svc' ? `${n}.cluster.local` : n;
  return hosts[fqdn] ?? hosts[fqdn.replace(/^([^.]+)\.[^.]+\.svc\.cluster\.local$/, '$1.*.svc.cluster.local')];
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

const realLookup = dns.lookup;
function lookup(hostname: string, ...rest: unknown[]): void {
  const callback = rest[rest.length - 1] as LookupCallback;
  const options = rest.length > 1 ? rest[0] : undefined;
  const address = typeof hostname === 'string' ? clusterAddress(hostname) : undefined;
  if (address === undefined) return void (realLookup as (...a: unknown[]) => void)(hostname, ...rest);
  const all = typeof options === 'object' && options !== null && (options as dns.LookupOptions).all;
  process.nextTick(() => (all ? callback(null, [{ address, family: 4 }]) : callback(null, address, 4)));
}
(dns as { lookup: unknown }).lookup = lookup;

const realPromiseLookup = dns.promises.lookup;
(dns.promises as { lookup: unknown }).lookup = async (hostname: string, options?: dns.LookupOptions | number) => {
  const address = clusterAddress(hostname);
  if (address === undefined) return (realPromiseLookup as (h: string, o?: unknown) => Promise<unknown>)(hostname, options);
  return typeof options === 'object' && options?.all ? [{ address, family: 4 }] : { address, family: 4 };
};

if (podIP) {
  const realListen = net.Server.prototype.listen;
  net.Server.prototype.listen = function listen(this: net.Server, ...args: unknown[]) {
    const [first] = args;
    if (typeof first === 'object' && first !== null && !('fd' in first) && !('path' in first)) {
      const o = first as net.ListenOptions;
      if (o.host === undefined || ANY.has(o.host)) args[0] = { ...o, host: podIP };
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      if (typeof args[1] !== 'string' || ANY.has(args[1])) args.splice(1, typeof args[1] === 'string' ? 1 : 0, podIP);
    }
    return (realListen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof net.Server.prototype.listen;

  const realConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
    // net.connect() hands over [options, callback] already normalized; a direct call passes options or (port, host).
    const options = (Array.isArray(args[0]) ? args[0][0] : args[0]) as { host?: string; port?: number | string } | number | string;
    if (typeof options === 'object' && options !== null && 'port' in options && podPorts.has(Number(options.port)) && (options.host === undefined || LOCALHOST.has(options.host))) options.host = podIP;
    else if ((typeof options === 'number' || (typeof options === 'string' && /^\d+$/.test(options))) && podPorts.has(Number(options)) && (typeof args[1] !== 'string' || LOCALHOST.has(args[1]))) {
      if (typeof args[1] === 'string') args[1] = podIP;
      else args.splice(1, 0, podIP);
    }
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;

  // ZeroMQ binds in native code, and its Socket.prototype.bind cannot be replaced: each socket class
  // the module exports is swapped for a subclass that rewrites the endpoint first.
  const podEndpoint = (address: unknown) => (typeof address === 'string' ? address.replace(/^tcp:\/\/(\*|0\.0\.0\.0|\[::\]):/, `tcp://${podIP}:`) : address);
  const moduleWithLoad = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
  const realLoad = moduleWithLoad._load;
  const patched = new WeakSet<object>();
  moduleWithLoad._load = function load(request: string, ...rest: unknown[]) {
    const loaded = realLoad.call(this, request, ...rest) as Record<string, unknown> & { Socket?: { prototype: object } };
    if (request !== 'zeromq' || !loaded?.Socket || patched.has(loaded)) return loaded;
    patched.add(loaded);
    const socketProto = loaded.Socket.prototype;
    for (const [name, value] of Object.entries(loaded)) {
      if (typeof value !== 'function' || value === loaded.Socket || !Object.prototype.isPrototypeOf.call(socketProto, (value as { prototype?: object }).prototype ?? {})) continue;
      const Base = value as new (...args: unknown[]) => { bind(a: unknown): unknown; bindSync?(a: unknown): unknown };
      const Sub = class extends Base {
        override bind(address: unknown) {
          return super.bind(podEndpoint(address));
        }
        override bindSync(address: unknown) {
          return super.bindSync?.(podEndpoint(address));
        }
      };
      Object.defineProperty(Sub, 'name', { value: name });
      loaded[name] = Sub;
    }
    return loaded;
  };
}
