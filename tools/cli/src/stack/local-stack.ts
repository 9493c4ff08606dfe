// The whole llmd stack as local processes: vllm-sim pods, scheduler, cache-manager, autoscaler,
// operator and gateway, wired to one Kafka broker. Used by `tools/llmd up` and the end-to-end tests.
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BackoffPolicy, LOCAL_STACK_BACKOFF, restartDelay } from '../backoff';
import { DIST } from '../paths';
import { freePorts } from './free-port';
import { removeRegistryEntry, writeRegistryEntry, type RegistryEntry } from './local-registry';
import { nodeFlagsFor } from './node-flags';

export type PodRole = 'both' | 'prefill' | 'decode';
export type PoolName = 'unified' | 'prefill' | 'decode';

/** The label that names a pod's pool, as the operator's pods carry it (the scheduler's load records read it). */
export const POOL_LABEL = 'llm-d.io/pool';

/** The local pool of a pod role: one pool per role, `unified` for pods that do both. */
export function poolOf(role: PodRole): PoolName {
  return role === 'both' ? 'unified' : role;
}

/** One vllm-sim pod of the stack, as the pool control sees it. */
export interface LocalPod {
  /** The process and endpoint id: `sim-<n>`. */
  name: string;
  role: PodRole;
  pool: PoolName;
  /** HTTP port; 0 until allocated. */
  port: number;
  createdAtMs: number;
  /** When it first answered /health (then it is registered and receives traffic). */
  readyAtMs?: number;
  state: 'starting' | 'ready' | 'stopping';
}

export interface StackPorts {
  gateway: number;
  gatewayOps: number;
  scheduler: number;
  schedulerOps: number;
  cacheManager: number;
  cacheManagerOps: number;
  autoscalerOps: number;
  operatorOps: number;
  sims: number[];
  /** More gateway replicas (`gateway-1`, `gateway-2`, ...), each on its own API and ops port, sharing the scheduler. */
  extraGateways?: { port: number; ops: number }[];
  /** Per pod, the ZMQ KV-event PUB and replay ports (pods publish no KV events without them). */
  simKvEvents?: [number, number][];
}

export const DEFAULT_PORTS: StackPorts = {
  gateway: 8000,
  gatewayOps: 9100,
  scheduler: 9002,
  schedulerOps: 9102,
  cacheManager: 9003,
  cacheManagerOps: 9103,
  autoscalerOps: 9104,
  operatorOps: 9105,
  sims: [8100, 8101, 8102, 8103],
  simKvEvents: [[5557, 5558], [5559, 5560], [5561, 5562], [5563, 5564]],
};

export interface StackOptions {
  kafkaBootstrap: string;
  ports: StackPorts;
  /** Name the simulated pods serve. */
  model: string;
  /** GPU cost table of the simulated pods. */
  gpuProfile: string;
  /** Wall-clock seconds per simulated second in the pods. */
  timeScale: number;
  /** Folder for each process's log file; logs are only kept in memory when unset. */
  logDir?: string;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** A local registry folder the scheduler also watches for endpoints (pods started later). */
  registryDir?: string;
  /** Extra environment for the scheduler (e.g. LLMD_SCHEDULER_PROFILE). */
  schedulerEnv?: Record<string, string>;
  /** Role of each simulated pod (default: all `both`); prefill/decode pods get a NixlConnector config. */
  roles?: ('both' | 'prefill' | 'decode')[];
  /** Extra vllm-sim flags for every pod (e.g. --max-num-seqs 2). */
  simArgs?: string[];
  /** Give pods the NixlConnector config their role needs (P/D). @default true */
  kvTransfer?: boolean;
  /** Called for each log line (service name, line). */
  onLine?: (service: string, line: string) => void;
  /**
   * Pods may be added and removed at run time (addPod, removePod; needs registryDir): the initial pods
   * are written to the registry too once healthy, so that removing any pod unregisters it first.
   */
  scalablePods?: boolean;
  /**
   * Batches each pod keeps for KV-event replay (vLLM's `buffer_steps`, 10000 by default): a check that
   * rebuilds a pod's whole block pool from its replay socket needs its history from the first batch.
   */
  kvEventsBufferSteps?: number;
  /** LoRA adapters every pod serves (`--enable-lora --lora-modules <name>=/adapters/<name>`), registered with the pods. */
  loraAdapters?: string[];
  /** Extra environment for every gateway replica (e.g. LLMD_GATEWAY_AUTH_ENABLED, LLMD_GATEWAY_API_KEYS). */
  gatewayEnv?: Record<string, string>;
  /** Extra environment for the autoscaler (e.g. LLMD_AUTOSCALER_ACTUATOR=local). */
  autoscalerEnv?: Record<string, string>;
  /**
   * Restart a service or pod that exits on its own (a crash, a kill from outside) with the same
   * command, after a kubelet-like back-off; absent, it stays down. Stopped, restarted or removed
   * processes are not supervised restarts.
   */
  supervise?: { backoff?: BackoffPolicy; onEvent?: (e: SupervisionEvent) => void };
}

/** What the supervisor did: a process exited and is restarted after `delayMs`, or it is ready again. */
export type SupervisionEvent =
  | { type: 'exited'; service: string; code: number | null; signal: string | null; restart: number; delayMs: number }
  | { type: 'ready'; service: string; restart: number; downMs: number }
  | { type: 'failed'; service: string; restart: number; message: string };

/** One line per supervision event, as `tools/llmd up` prints it. */
export function describeSupervisionEvent(e: SupervisionEvent): string {
  switch (e.type) {
    case 'exited':
      return `${e.service} exited (${e.signal ? `signal ${e.signal}` : `code ${e.code}`}); restart ${e.restart} in ${(e.delayMs / 1000).toFixed(1)} s`;
    case 'ready':
      return `${e.service} is back after restart ${e.restart} (down ${(e.downMs / 1000).toFixed(1)} s)`;
    case 'failed':
      return `${e.service} restart ${e.restart} failed: ${e.message}`;
  }
}

interface Proc {
  name: string;
  app: string;
  args: string[];
  env: Record<string, string>;
  child: ChildProcess;
  exited: Promise<number | null>;
  readyUrl: string;
  startedAtMs: number;
}

/** The scheduler and cache-manager poll the registry every 500 ms: an unregistered pod is out of routing after this. */
const UNREGISTER_GRACE_MS = 1500;

export class LocalStack {
  private readonly procs: Proc[] = [];
  private readonly files: WriteStream[] = [];
  private readonly simPods: LocalPod[] = [];
  private nextPod = 0;
  private stopping = false;
  /** Pods being restarted: their exit is not a pod gone. */
  private readonly restarting = new Set<string>();
  /** Supervised restarts so far, by service (the back-off's count). */
  private readonly restarts = new Map<string, number>();
  /** Each pod's registry entry, for re-registering it after a supervised restart. */
  private readonly entries = new Map<string, RegistryEntry>();
  /** Pending supervised restarts (cleared by stop). */
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  /** Every log line of every process, by service name (bounded per service). */
  readonly logs = new Map<string, string[]>();

  constructor(readonly options: StackOptions) {}

  private get registryDir(): string {
    if (!this.options.registryDir) throw new Error('scalablePods needs a registryDir');
    return this.options.registryDir;
  }

  /** The vllm-sim pods now (starting, ready, stopping), oldest first. */
  pods(): readonly LocalPod[] {
    return this.simPods;
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.options.ports.gateway}`;
  }

  async start(): Promise<void> {
    const { ports, kafkaBootstrap } = this.options;
    const common = { LLMD_KAFKA_BROKERS: kafkaBootstrap, ...this.options.env };
    if (this.options.scalablePods && !this.options.registryDir) throw new Error('scalablePods needs a registryDir');
    const role = (i: number) => this.options.roles?.[i] ?? 'both';
    const endpoints = ports.sims.map((port, i) => this.registryEntry(`sim-${i}`, role(i), port, ports.simKvEvents?.[i]));
    ports.sims.forEach((port, i) => {
      const pod: LocalPod = { name: `sim-${i}`, role: role(i), pool: poolOf(role(i)), port, createdAtMs: Date.now(), state: 'starting' };
      this.simPods.push(pod);
      const proc = this.spawn(pod.name, 'vllm-sim', this.simArgs(i, role(i), port, ports.simKvEvents?.[i]), common, `http://127.0.0.1:${port}/health`);
      this.watchPod(pod, proc);
      // Initial pods are in the scheduler's static endpoints; scalable ones also get a registry file, so
      // that removing one unregisters it. Not awaited: waitReady covers the start.
      this.untilHealthy(pod, proc, 90000).then(
        () => {
          if (this.options.scalablePods && !this.stopping && pod.state === 'ready') writeRegistryEntry(this.registryDir, endpoints[i]);
        },
        () => undefined,
      );
    });
    this.nextPod = ports.sims.length;
    this.spawn('scheduler', 'scheduler', [], { ...common, LLMD_SCHEDULER_GRPC_PORT: String(ports.scheduler), LLMD_SCHEDULER_OPS_PORT: String(ports.schedulerOps), LLMD_SCHEDULER_ENDPOINTS: JSON.stringify(endpoints), LLMD_SCHEDULER_CACHE_MANAGER_ADDRESS: `127.0.0.1:${ports.cacheManager}`, ...(this.options.registryDir ? { LLMD_SCHEDULER_REGISTRY_DIR: this.options.registryDir } : {}), ...this.options.schedulerEnv }, `http://127.0.0.1:${ports.schedulerOps}/readyz`);
    const kvPods = ports.sims.flatMap((_, i) => {
      const kv = ports.simKvEvents?.[i];
      return kv ? [{ id: `sim-${i}`, models: [this.options.model], kvEvents: { endpoint: `tcp://127.0.0.1:${kv[0]}`, replayEndpoint: `tcp://127.0.0.1:${kv[1]}` } }] : [];
    });
    this.spawn('cache-manager', 'cache-manager', [], {
      ...common,
      LLMD_CACHE_MANAGER_GRPC_PORT: String(ports.cacheManager),
      LLMD_CACHE_MANAGER_OPS_PORT: String(ports.cacheManagerOps),
      LLMD_CACHE_MANAGER_PODS: JSON.stringify(kvPods),
      ...(this.options.registryDir ? { LLMD_CACHE_MANAGER_REGISTRY_DIR: this.options.registryDir } : {}),
    }, `http://127.0.0.1:${ports.cacheManagerOps}/readyz`);
    this.spawn('autoscaler', 'autoscaler', [], { ...common, LLMD_AUTOSCALER_OPS_PORT: String(ports.autoscalerOps), ...this.options.autoscalerEnv }, `http://127.0.0.1:${ports.autoscalerOps}/readyz`);
    this.spawn('operator', 'operator', [], { ...common, LLMD_OPERATOR_OPS_PORT: String(ports.operatorOps) }, `http://127.0.0.1:${ports.operatorOps}/readyz`);
    const gateways = [{ port: ports.gateway, ops: ports.gatewayOps }, ...(ports.extraGateways ?? [])];
    gateways.forEach((g, i) => {
      const env = { ...common, LLMD_GATEWAY_PORT: String(g.port), LLMD_GATEWAY_OPS_PORT: String(g.ops), LLMD_GATEWAY_SCHEDULER_ADDRESS: `127.0.0.1:${ports.scheduler}`, ...this.options.gatewayEnv };
      this.spawn(i === 0 ? 'gateway' : `gateway-${i}`, 'gateway', [], env, `http://127.0.0.1:${g.ops}/readyz`);
    });
  }

  /** Resolves when every process answers its readiness URL; rejects if one exits or time runs out. */
  async waitReady(timeoutMs = 60000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(this.procs);
    while (pending.size > 0) {
      for (const p of [...pending]) {
        if (p.child.exitCode !== null) throw new Error(`${p.name} exited with code ${p.child.exitCode}:\n${(this.logs.get(p.name) ?? []).slice(-10).join('\n')}`);
        try {
          const res = await fetch(p.readyUrl, { signal: AbortSignal.timeout(1000) });
          if (res.ok) pending.delete(p);
        } catch {
          // not up yet
        }
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms: ${[...pending].map((p) => p.name).join(', ')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Stops one service (SIGTERM) and starts it again with the same command; resolves when it is ready. */
  async restart(name: string, options: { timeoutMs?: number; whileDown?: () => Promise<void>; extraArgs?: string[]; signal?: NodeJS.Signals } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 60000;
    const i = this.procs.findIndex((x) => x.name === name);
    if (i < 0) throw new Error(`no process ${name}`);
    const old = this.procs[i];
    this.restarting.add(name);
    await this.kill(name, options.signal ?? 'SIGTERM');
    await options.whileDown?.();
    this.procs.splice(i, 1);
    const fresh = this.spawn(old.name, old.app, [...old.args, ...(options.extraArgs ?? [])], old.env, old.readyUrl);
    this.restarting.delete(name);
    const pod = this.simPods.find((p) => p.name === name);
    if (pod) this.watchPod(pod, fresh);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (fresh.child.exitCode !== null) throw new Error(`${name} exited with code ${fresh.child.exitCode}`);
      const ok = await fetch(fresh.readyUrl, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok).catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${name} not ready after restart`);
  }

  /** The pid of a service's current process (a supervised restart gives it a new one); undefined when unknown. */
  pidOf(name: string): number | undefined {
    return this.procs.find((x) => x.name === name)?.child.pid;
  }

  /** Sends a signal to one service; resolves with its exit code once it has exited. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const p = this.procs.find((x) => x.name === name);
    if (!p) throw new Error(`no process ${name}`);
    if (p.child.exitCode === null) p.child.kill(signal);
    return p.exited;
  }

  /** SIGTERM to every process (gateway first, pods last), SIGKILL to any still alive after `graceMs`. */
  async stop(graceMs = 15000): Promise<void> {
    this.stopping = true;
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    if (this.options.scalablePods) for (const p of this.simPods) removeRegistryEntry(this.registryDir, p.name);
    const order = [...this.procs].reverse();
    for (const p of order) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    const timer = setTimeout(() => order.forEach((p) => p.child.exitCode === null && p.child.kill('SIGKILL')), graceMs);
    await Promise.all(order.map((p) => p.exited));
    clearTimeout(timer);
    await Promise.all(this.files.map((f) => new Promise((r) => f.end(r))));
  }

  /**
   * Starts one more vllm-sim pod of `role` on free ports; once it answers /health it is written to the
   * registry (the scheduler and the cache-manager pick it up) and the promise resolves. It is listed by
   * pods() from the call on, as `starting`. Rejects (and forgets the pod) if it exits or never answers.
   */
  async addPod(role: PodRole, timeoutMs = 60000): Promise<LocalPod> {
    if (!this.options.scalablePods) throw new Error('addPod needs a stack started with scalablePods');
    const pod: LocalPod = { name: `sim-${this.nextPod++}`, role, pool: poolOf(role), port: 0, createdAtMs: Date.now(), state: 'starting' };
    this.simPods.push(pod);
    // A function, not an expression: removePod may run at any await below.
    const removed = () => this.stopping || pod.state === 'stopping';
    try {
      const [port, kvPub, kvReplay] = await freePorts(3);
      pod.port = port;
      if (removed()) throw new Error(`${pod.name} removed while starting`);
      const common = { LLMD_KAFKA_BROKERS: this.options.kafkaBootstrap, ...this.options.env };
      const seed = Number(pod.name.slice(4));
      const proc = this.spawn(pod.name, 'vllm-sim', this.simArgs(seed, role, port, [kvPub, kvReplay]), common, `http://127.0.0.1:${port}/health`);
      this.watchPod(pod, proc);
      await this.untilHealthy(pod, proc, timeoutMs);
      if (removed()) throw new Error(`${pod.name} removed while starting`);
      writeRegistryEntry(this.registryDir, this.registryEntry(pod.name, role, port, [kvPub, kvReplay]));
      return pod;
    } catch (err) {
      if (!removed()) await this.removePod(pod.name).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Removes one pod: unregisters it first (the scheduler stops routing to it), then SIGTERM (vllm-sim
   * finishes its in-flight requests); resolves when it has exited.
   */
  async removePod(name: string): Promise<void> {
    const pod = this.simPods.find((p) => p.name === name);
    if (!pod) throw new Error(`no pod ${name}`);
    const wasReady = pod.state === 'ready';
    pod.state = 'stopping';
    if (this.options.registryDir && this.options.scalablePods) removeRegistryEntry(this.options.registryDir, name);
    if (wasReady) await new Promise((r) => setTimeout(r, UNREGISTER_GRACE_MS));
    const proc = this.procs.find((x) => x.name === name);
    if (proc) {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
      await proc.exited;
      this.procs.splice(this.procs.indexOf(proc), 1);
    }
    const i = this.simPods.indexOf(pod);
    if (i >= 0) this.simPods.splice(i, 1);
  }

  private simArgs(seed: number, role: PodRole, port: number, kv: [number, number] | undefined): string[] {
    const kvRole = { both: 'kv_both', prefill: 'kv_producer', decode: 'kv_consumer' } as const;
    const args = ['serve', this.options.model, '--port', String(port), '--gpu-profile', this.options.gpuProfile, '--time-scale', String(this.options.timeScale), '--seed', String(seed)];
    if (this.options.kvTransfer !== false) args.push('--kv-transfer-config', JSON.stringify({ kv_connector: 'NixlConnector', kv_role: kvRole[role] }));
    const lora = this.options.loraAdapters ?? [];
    if (lora.length > 0) args.push('--enable-lora', ...lora.flatMap((a) => ['--lora-modules', `${a}=/adapters/${a}`]));
    args.push(...(this.options.simArgs ?? []));
    const bufferSteps = this.options.kvEventsBufferSteps ? { buffer_steps: this.options.kvEventsBufferSteps } : {};
    if (kv) args.push('--kv-events-config', JSON.stringify({ enable_kv_cache_events: true, publisher: 'zmq', endpoint: `tcp://127.0.0.1:${kv[0]}`, replay_endpoint: `tcp://127.0.0.1:${kv[1]}`, ...bufferSteps }));
    return args;
  }

  /** The pod as the scheduler (static endpoints or registry file) and the cache-manager read it. */
  private registryEntry(id: string, role: PodRole, port: number, kv: [number, number] | undefined): RegistryEntry {
    const entry: RegistryEntry = {
      id,
      address: `127.0.0.1:${port}`,
      models: [this.options.model],
      role,
      labels: { [POOL_LABEL]: poolOf(role) },
      ...(this.options.loraAdapters?.length ? { loraAdapters: [...this.options.loraAdapters] } : {}),
      ...(kv ? { kvEvents: { endpoint: `tcp://127.0.0.1:${kv[0]}`, replayEndpoint: `tcp://127.0.0.1:${kv[1]}` } } : {}),
    };
    this.entries.set(id, entry);
    return entry;
  }

  /** A pod that exits on its own is unregistered, and forgotten unless the stack supervises it. */
  private watchPod(pod: LocalPod, proc: Proc): void {
    void proc.exited.then(() => {
      if (pod.state === 'stopping' || this.stopping || this.restarting.has(pod.name)) return;
      if (this.options.scalablePods) removeRegistryEntry(this.registryDir, pod.name);
      if (this.options.supervise) {
        pod.state = 'starting';
        pod.readyAtMs = undefined;
        return;
      }
      pod.state = 'stopping';
      const i = this.simPods.indexOf(pod);
      if (i >= 0) this.simPods.splice(i, 1);
    });
  }

  private async untilHealthy(pod: LocalPod, proc: Proc, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`${pod.name} exited with code ${proc.child.exitCode}:\n${(this.logs.get(pod.name) ?? []).slice(-10).join('\n')}`);
      if (pod.state === 'stopping') throw new Error(`${pod.name} removed while starting`);
      const ok = await fetch(proc.readyUrl, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok).catch(() => false);
      if (ok) {
        pod.readyAtMs = Date.now();
        pod.state = 'ready';
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${pod.name} did not answer /health within ${timeoutMs} ms`);
  }

  private spawn(name: string, app: string, args: string[], env: Record<string, string>, readyUrl: string): Proc {
    const child = spawn(process.execPath, [...nodeFlagsFor(app), join(DIST, 'apps', app, 'src', 'main.js'), ...args], {
      env: { ...process.env, ...env, OTEL_SERVICE_NAME: `llmd-${name}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    this.logs.set(name, lines);
    let file: WriteStream | undefined;
    if (this.options.logDir) {
      mkdirSync(this.options.logDir, { recursive: true });
      file = createWriteStream(join(this.options.logDir, `${name}.log`), { flags: 'a' });
      this.files.push(file);
    }
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        if (lines.length > 5000) lines.splice(0, lines.length - 5000);
        file?.write(line + '\n');
        this.options.onLine?.(name, line);
      });
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const proc: Proc = { name, app, args, env, child, exited, readyUrl, startedAtMs: Date.now() };
    this.procs.push(proc);
    if (this.options.supervise) void exited.then(() => this.superviseExit(proc));
    return proc;
  }

  /** A supervised process exited: unless the stack stopped, restarted or removed it, start it again after the back-off. */
  private superviseExit(proc: Proc): void {
    const pod = this.simPods.find((p) => p.name === proc.name);
    if (this.stopping || this.restarting.has(proc.name) || !this.procs.includes(proc) || pod?.state === 'stopping') return;
    const policy = this.options.supervise?.backoff ?? LOCAL_STACK_BACKOFF;
    const { delayMs, restarts } = restartDelay(policy, (this.restarts.get(proc.name) ?? 0) + 1, Date.now() - proc.startedAtMs);
    this.restarts.set(proc.name, restarts);
    const downAt = Date.now();
    const emit = (e: SupervisionEvent) => this.options.supervise?.onEvent?.(e);
    emit({ type: 'exited', service: proc.name, code: proc.child.exitCode, signal: proc.child.signalCode, restart: restarts, delayMs });
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      const i = this.procs.indexOf(proc);
      // Stopped, removed or restarted by hand during the back-off.
      if (this.stopping || i < 0 || pod?.state === 'stopping') return;
      this.procs.splice(i, 1);
      const fresh = this.spawn(proc.name, proc.app, proc.args, proc.env, proc.readyUrl);
      const ready = pod ? (this.watchPod(pod, fresh), this.untilHealthy(pod, fresh, 90000)) : this.untilReady(fresh, 90000);
      ready.then(
        () => {
          const entry = pod && this.entries.get(pod.name);
          if (entry && this.options.scalablePods && !this.stopping && pod.state === 'ready') writeRegistryEntry(this.registryDir, entry);
          emit({ type: 'ready', service: proc.name, restart: restarts, downMs: Date.now() - downAt });
        },
        (err: Error) => {
          // An exit while starting is the next supervised restart; anything else is said.
          if (fresh.child.exitCode === null && fresh.child.signalCode === null) emit({ type: 'failed', service: proc.name, restart: restarts, message: err.message });
        },
      );
    }, delayMs);
    this.restartTimers.add(timer);
  }

  /** Resolves once the process answers its readiness URL; rejects if it exits or time runs out. */
  private async untilReady(proc: Proc, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`${proc.name} exited with code ${proc.child.exitCode}`);
      if (await fetch(proc.readyUrl, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok).catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${proc.name} not ready within ${timeoutMs} ms`);
  }
}
