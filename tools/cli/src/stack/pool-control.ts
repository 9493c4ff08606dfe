// The local stack's pool control server: the autoscaler's LocalActuator reads the pools and writes
// their replicas here, as its KubernetesActuator does with ServingPools and /scale. One pool per pod
// role; a replica change starts or stops vllm-sim pods through the stack (a PodLauncher), and, as a
// Deployment does, a pod that exits on its own is replaced (at the next GET /pools).
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { autoscalingSpec, type AutoscalingSpec } from '@llmd/crd-types';
import type { LocalPod, PodRole, PoolName } from './local-stack';

export const DEFAULT_POOL_CONTROL_PORT = 9106;
/** After a pod fails to start, its pool is not topped up again for this long (no crash loop at sync speed). */
export const RESTART_BACKOFF_MS = 10000;
export const LOCAL_NAMESPACE = 'local';

/** What the pool control needs of the stack (LocalStack; a fake in specs). */
export interface PodLauncher {
  pods(): readonly LocalPod[];
  /** Lists the pod (starting) at once; resolves when it serves and is registered. */
  addPod(role: PodRole): Promise<LocalPod>;
  /** Unregisters, drains and stops the pod; resolves when it has exited. */
  removePod(name: string): Promise<void>;
}

export interface PoolConfig {
  name: PoolName;
  /** Autoscaling input (defaults are applied here). */
  autoscaling: unknown;
}

/** Something the pool control did, for the CLI to print. */
export type PoolEvent =
  | { type: 'scale'; pool: PoolName; from: number; to: number }
  | { type: 'pod-started'; pool: PoolName; pod: string }
  | { type: 'pod-ready'; pool: PoolName; pod: string; startupSeconds: number }
  | { type: 'pod-removed'; pool: PoolName; pod: string }
  | { type: 'pod-failed'; pool: PoolName; pod?: string; message: string };

export interface PoolControlOptions {
  launcher: PodLauncher;
  model: string;
  pools: PoolConfig[];
  /** The most vllm-sim pods the stack runs, all pools together. */
  maxPods: number;
  onEvent?: (event: PoolEvent) => void;
  /** @default Date.now */
  now?: () => number;
}

/** One pool in GET /pools (Contract 4). */
export interface PoolView {
  namespace: string;
  name: PoolName;
  model: string;
  role: PoolName;
  replicas: number;
  readyReplicas: number;
  startingReplicas: number;
  endpointIds: string[];
  startupSeconds: number[];
  autoscaling: AutoscalingSpec;
}

interface PoolState {
  name: PoolName;
  role: PodRole;
  autoscaling: AutoscalingSpec;
  replicas: number;
  /** When a pod of the pool last failed to start. */
  failedAtMs?: number;
}

export type ScaleResult = { status: 200; body: { spec: { replicas: number }; status: { replicas: number } } } | { status: 400 | 404 | 422; body: { error: { message: string } } };

const ROLE: Record<PoolName, PodRole> = { unified: 'both', prefill: 'prefill', decode: 'decode' };

export class PoolControl {
  private readonly pools = new Map<PoolName, PoolState>();
  /** Pods whose start-up GET /pools has reported. */
  private readonly reported = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();
  private server: Server | undefined;

  constructor(private readonly options: PoolControlOptions) {
    for (const p of options.pools) {
      const parsed = autoscalingSpec.safeParse(p.autoscaling);
      if (!parsed.success) throw new Error(`pool ${p.name}: autoscaling.${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
      const role = ROLE[p.name];
      this.pools.set(p.name, { name: p.name, role, autoscaling: parsed.data, replicas: this.active(role).length });
    }
  }

  /** GET /pools: every pool now (a pool short of pods that exited is topped up first); each pod's start-up is reported once. */
  list(): PoolView[] {
    const now = (this.options.now ?? Date.now)();
    for (const p of this.pools.values()) if (p.failedAtMs === undefined || now - p.failedAtMs >= RESTART_BACKOFF_MS) this.converge(p);
    return [...this.pools.values()].map((p) => {
      const pods = this.active(p.role);
      const ready = pods.filter((x) => x.state === 'ready');
      const startupSeconds: number[] = [];
      for (const x of ready) {
        if (this.reported.has(x.name) || x.readyAtMs === undefined) continue;
        this.reported.add(x.name);
        startupSeconds.push((x.readyAtMs - x.createdAtMs) / 1000);
      }
      return {
        namespace: LOCAL_NAMESPACE,
        name: p.name,
        model: this.options.model,
        role: p.name,
        replicas: p.replicas,
        readyReplicas: ready.length,
        startingReplicas: pods.length - ready.length,
        endpointIds: pods.map((x) => x.name),
        startupSeconds,
        autoscaling: p.autoscaling,
      };
    });
  }

  /** PUT /pools/<name>/scale: sets the pool's replicas and starts or stops pods towards them. */
  scale(name: string, body: unknown): ScaleResult {
    const pool = this.pools.get(name as PoolName);
    if (!pool) return { status: 404, body: { error: { message: `no pool ${name} (pools: ${[...this.pools.keys()].join(', ')})` } } };
    const replicas = (body as { spec?: { replicas?: unknown } } | undefined)?.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) return { status: 400, body: { error: { message: 'spec.replicas must be an integer >= 0' } } };
    const { minReplicas, maxReplicas } = pool.autoscaling;
    if (replicas < minReplicas || replicas > maxReplicas) {
      return { status: 422, body: { error: { message: `spec.replicas ${replicas} is outside pool ${name}'s [${minReplicas}, ${maxReplicas}]` } } };
    }
    const total = replicas + [...this.pools.values()].filter((p) => p !== pool).reduce((n, p) => n + p.replicas, 0);
    if (total > this.options.maxPods) {
      return { status: 422, body: { error: { message: `spec.replicas ${replicas} would make ${total} pods, over the stack's limit of ${this.options.maxPods}` } } };
    }
    const existing = this.active(pool.role).length;
    if (replicas !== pool.replicas) this.options.onEvent?.({ type: 'scale', pool: pool.name, from: pool.replicas, to: replicas });
    pool.replicas = replicas;
    pool.failedAtMs = undefined;
    this.converge(pool);
    return { status: 200, body: { spec: { replicas }, status: { replicas: existing } } };
  }

  /** Resolves when every pod start and stop asked for so far has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Serves the API; resolves with the port (0 picks one). */
  listen(port = DEFAULT_POOL_CONTROL_PORT, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as { port: number }).port));
    });
  }

  /** Stops serving (pod starts and stops under way go on: settled() waits for them). */
  async close(): Promise<void> {
    const server = this.server;
    if (server) await new Promise((r) => server.close(r));
  }

  /** Pods of a role that count towards its replicas: starting and ready, not stopping. */
  private active(role: PodRole): LocalPod[] {
    return this.options.launcher.pods().filter((p) => p.role === role && p.state !== 'stopping');
  }

  private converge(pool: PoolState): void {
    const pods = this.active(pool.role);
    for (let n = pods.length; n < pool.replicas; n++) this.track(this.start(pool));
    // Stop the pods that serve least first: starting ones, then the newest ready ones.
    // (pods() lists oldest first.)
    const victims = [...pods].reverse().sort((a, b) => Number(a.state === 'ready') - Number(b.state === 'ready'));
    for (const pod of victims.slice(0, Math.max(0, pods.length - pool.replicas))) this.track(this.stop(pool, pod.name));
  }

  private async start(pool: PoolState): Promise<void> {
    const adding = this.options.launcher.addPod(pool.role);
    const listed = this.options.launcher.pods().filter((p) => p.role === pool.role && p.state === 'starting').pop();
    if (listed) this.options.onEvent?.({ type: 'pod-started', pool: pool.name, pod: listed.name });
    try {
      const pod = await adding;
      this.options.onEvent?.({ type: 'pod-ready', pool: pool.name, pod: pod.name, startupSeconds: ((pod.readyAtMs ?? Date.now()) - pod.createdAtMs) / 1000 });
    } catch (err) {
      pool.failedAtMs = (this.options.now ?? Date.now)();
      this.options.onEvent?.({ type: 'pod-failed', pool: pool.name, pod: listed?.name, message: (err as Error).message });
    }
  }

  private async stop(pool: PoolState, name: string): Promise<void> {
    try {
      await this.options.launcher.removePod(name);
      this.options.onEvent?.({ type: 'pod-removed', pool: pool.name, pod: name });
    } catch (err) {
      this.options.onEvent?.({ type: 'pod-failed', pool: pool.name, pod: name, message: (err as Error).message });
    }
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://local');
    if (req.method === 'GET' && url.pathname === '/pools') return send(200, { pools: this.list() });
    const m = /^\/pools\/([^/]+)\/scale$/.exec(url.pathname);
    if (req.method === 'PUT' && m) {
      let text = '';
      for await (const chunk of req) text += String(chunk);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return send(400, { error: { message: 'the body must be JSON: {"spec":{"replicas":N}}' } });
      }
      const out = this.scale(decodeURIComponent(m[1]), body);
      return send(out.status, out.body);
    }
    send(404, { error: { message: `no route ${req.method} ${url.pathname} (GET /pools, PUT /pools/<name>/scale)` } });
  }
}
