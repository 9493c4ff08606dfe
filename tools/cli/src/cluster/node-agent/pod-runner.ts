// One pod on the node: its volumes written to files, each container run as a local process of this
// checkout's build (the image names which service), probes on the pod's own loopback address, a
// crashed container restarted after the kubelet's back-off, and every change reported as the pod's
// status. Termination honours the grace period: SIGTERM, then SIGKILL when it runs out.
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync, WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { BackoffPolicy, restartDelay } from '../../backoff';
import { containerArgv, containerEnv, ObjectData } from './container-env';
import { entryFor, LLMD_IMAGES } from './images';
import { ContainerView, podStatus, PodView } from './pod-status';
import { Prober, ProbeTarget } from './probes';
import { containerMounts, Mount, rewritePaths, rewriteVolumeFiles, SERVICE_ACCOUNT_DIR, writeVolumes } from './volumes';

export interface PodRunnerDeps {
  /** dist/ of this checkout: the entry points and the preload. */
  dist: string;
  /** This pod's folder: volumes, logs, its kubeconfig. */
  dir: string;
  podIP: string;
  hostIP: string;
  /** The apiserver's URL and CA, for the kubeconfig a pod with a service-account token gets. */
  apiServer: { url: string; caCert?: string };
  /** The file the preload resolves Service names from. */
  hostsFile: string;
  /** ConfigMap and Secret data of the pod's namespace, fetched for this start. */
  fetchData(namespace: string, refs: { kind: 'ConfigMap' | 'Secret'; name: string }[]): Promise<ObjectData>;
  /** A token for the pod's ServiceAccount, bound to the pod. */
  token(pod: V1Pod): Promise<string>;
  writeStatus(pod: V1Pod, status: V1PodStatus): Promise<void>;
  event(pod: V1Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  backoff: BackoffPolicy;
  logger: Logger;
}

interface Running {
  spec: V1Container;
  view: ContainerView;
  child?: ChildProcess;
  log?: WriteStream;
  startedAt?: number;
  probers: Prober[];
  restartTimer?: NodeJS.Timeout;
  /** Paths and argv, fixed at pod start. */
  argv?: string[];
  env?: Record<string, string>;
  mounts: Mount[];
}

const now = () => new Date().toISOString();

/** What each data source of a pod's volumes and env refers to. */
function references(pod: V1Pod): { kind: 'ConfigMap' | 'Secret'; name: string }[] {
  const refs: { kind: 'ConfigMap' | 'Secret'; name: string }[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap?.name) refs.push({ kind: 'ConfigMap', name: v.configMap.name });
    if (v.secret?.secretName) refs.push({ kind: 'Secret', name: v.secret.secretName });
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name && s.configMap.name !== 'kube-root-ca.crt') refs.push({ kind: 'ConfigMap', name: s.configMap.name });
      if (s.secret?.name) refs.push({ kind: 'Secret', name: s.secret.name });
    }
  }
  for (const c of pod.spec?.containers ?? []) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) refs.push({ kind: 'ConfigMap', name: e.valueFrom.configMapKeyRef.name });
      if (e.valueFrom?.secretKeyRef?.name) refs.push({ kind: 'Secret', name: e.valueFrom.secretKeyRef.name });
    }
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef?.name) refs.push({ kind: 'ConfigMap', name: f.configMapRef.name });
      if (f.secretRef?.name) refs.push({ kind: 'Secret', name: f.secretRef.name });
    }
  }
  return refs;
}

/**
 * The process of a container: this machine's node with the preload, then the image's entry point (or
 * the container's `node ...` command) and its args. Only the container's own words are rewritten to
 * the mounts' local paths; the node agent's (node, the preload, the entry point) are this machine's
 * already, and a checkout under a mounted path such as /tmp must not be sent into the pod's volume.
 */
export function processArgv(host: { execPath: string; preload: string; entry: string }, command: string[], args: string[], mounts: Mount[]): string[] {
  const rewrite = (s: string) => rewritePaths(s, mounts);
  return [host.execPath, '--enable-source-maps', '--require', host.preload, ...(command.length ? command.slice(1).map(rewrite) : [host.entry]), ...args.map(rewrite)];
}

export class PodRunner {
  private readonly containers: Running[];
  private phase: PodView['phase'] = 'Pending';
  private reason?: string;
  private message?: string;
  private readonly startTime = now();
  private terminating = false;
  private statusDirty = false;
  private statusWriting?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private pod: V1Pod,
    private readonly deps: PodRunnerDeps,
  ) {
    this.containers = (pod.spec?.containers ?? []).map((spec) => ({
      spec,
      probers: [],
      mounts: [],
      view: { name: spec.name, image: spec.image ?? '', state: { kind: 'waiting', reason: 'ContainerCreating' }, ready: false, started: false, restartCount: 0 },
    }));
  }

  get key(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`;
  }

  /** The newest pod object (labels, deletion) from the informer. */
  update(pod: V1Pod): void {
    this.pod = pod;
  }

  async start(): Promise<void> {
    const foreign = [...(this.pod.spec?.initContainers ?? []), ...(this.pod.spec?.containers ?? [])].filter((c) => !entryFor(c.image ?? ''));
    if (foreign.length > 0 || (this.pod.spec?.initContainers ?? []).length > 0) {
      const what = foreign.length > 0 ? `image ${foreign.map((c) => c.image).join(', ')} is not one of llmd's (${Object.keys(LLMD_IMAGES).join(', ')})` : 'init containers are not supported';
      this.reason = 'Unrunnable';
      this.message = `llmd's node agent runs pods of llmd's images as local processes, and ${what}`;
      for (const c of this.containers) c.view.state = { kind: 'waiting', reason: 'ImageNotRunnable', message: this.message };
      this.deps.event(this.pod, 'Warning', 'Failed', this.message);
      return this.report();
    }
    try {
      await this.prepare();
    } catch (err) {
      this.message = (err as Error).message;
      for (const c of this.containers) c.view.state = { kind: 'waiting', reason: 'ContainerCreating', message: this.message };
      this.deps.event(this.pod, 'Warning', 'FailedMount', this.message);
      await this.report();
      // As the kubelet retries a mount: the ConfigMap or Secret may appear.
      if (!this.terminating) this.retryTimer = setTimeout(() => void this.start(), 5000);
      return;
    }
    this.message = undefined;
    for (const c of this.containers) this.run(c);
  }

  private async prepare(): Promise<void> {
    const pod = this.pod;
    const data = await this.deps.fetchData(pod.metadata?.namespace ?? 'default', references(pod));
    const needsToken = (pod.spec?.volumes ?? []).some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken));
    const token = needsToken ? await this.deps.token(pod) : undefined;
    const dirs = writeVolumes(pod, join(this.deps.dir, 'volumes'), { data, token, caCert: this.deps.apiServer.caCert, podIP: this.deps.podIP, hostIP: this.deps.hostIP });
    const ips = { podIP: this.deps.podIP, hostIP: this.deps.hostIP };
    const allMounts: Mount[] = [];
    for (const c of this.containers) {
      c.mounts = containerMounts(c.spec, dirs);
      allMounts.push(...c.mounts);
      const env = containerEnv(pod, c.spec, data, ips);
      const { command, args } = containerArgv(c.spec, env);
      const preload = join(this.deps.dist, 'tools/cli/src/cluster/node-agent/preload.js');
      const entry = join(this.deps.dist, entryFor(c.spec.image ?? '') ?? '');
      // The image's entry point runs `node <main>`; a container that names `node ...` as its command runs that instead.
      if (command.length > 0 && command[0] !== 'node') throw new Error(`container ${c.spec.name}: command ${command[0]} is not supported (only the image's entry point or node)`);
      c.argv = processArgv({ execPath: process.execPath, preload, entry }, command, args, c.mounts);
      c.env = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, rewritePaths(v, c.mounts)]));
      const sa = c.mounts.find((m) => m.mountPath === SERVICE_ACCOUNT_DIR);
      if (sa && token) c.env.KUBECONFIG ??= this.kubeconfig(token);
    }
    rewriteVolumeFiles(pod, dirs, allMounts);
  }

  /** In-cluster credentials as a kubeconfig file (client libraries read the token at a fixed path this process cannot have). */
  private kubeconfig(token: string): string {
    const path = join(this.deps.dir, 'kubeconfig');
    const cluster = this.deps.apiServer.caCert
      ? { server: this.deps.apiServer.url, 'certificate-authority-data': Buffer.from(this.deps.apiServer.caCert).toString('base64') }
      : { server: this.deps.apiServer.url, 'insecure-skip-tls-verify': true };
    const config = { apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'in-cluster', cluster }], users: [{ name: 'pod', user: { token } }], contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'pod', namespace: this.pod.metadata?.namespace } }], 'current-context': 'in-cluster' };
    writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
    return path;
  }

  private run(c: Running): void {
    if (this.terminating) return;
    mkdirSync(join(this.deps.dir, 'logs'), { recursive: true });
    c.log ??= createWriteStream(join(this.deps.dir, 'logs', `${c.spec.name}.log`), { flags: 'a' });
    const [file, ...args] = c.argv ?? [];
    const child = spawn(file, args, {
      cwd: this.deps.dir,
      env: { PATH: process.env.PATH, HOME: this.deps.dir, ...c.env, LLMD_POD_IP: this.deps.podIP, LLMD_POD_NAMESPACE: this.pod.metadata?.namespace ?? 'default', LLMD_POD_PORTS: this.podPorts(), LLMD_CLUSTER_HOSTS_FILE: this.deps.hostsFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.child = child;
    c.startedAt = Date.now();
    child.stdout?.pipe(c.log, { end: false });
    child.stderr?.pipe(c.log, { end: false });
    c.view = { ...c.view, state: { kind: 'running', startedAt: now() }, containerID: `llmd://${child.pid}`, started: false, ready: false };
    this.phase = 'Running';
    child.once('exit', (code, signal) => this.exited(c, child, code, signal));
    this.startProbes(c);
    void this.report();
  }

  /** Every container port of the pod: where localhost means the pod itself. */
  private podPorts(): string {
    return [...new Set((this.pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)))].join(',');
  }

  private target(c: Running): ProbeTarget {
    return { podIP: this.deps.podIP, ports: c.spec.ports ?? [], execArgv: (command) => command.map((s) => rewritePaths(s, c.mounts)) };
  }

  private startProbes(c: Running): void {
    const t = this.target(c);
    const { startupProbe, livenessProbe, readinessProbe } = c.spec;
    const afterStartup = () => {
      c.view.started = true;
      if (livenessProbe) {
        const live = new Prober(livenessProbe, t, (ok) => !ok && this.kill(c, 'liveness probe failed'), true);
        c.probers.push(live);
        live.start();
      }
      if (readinessProbe) {
        const ready = new Prober(readinessProbe, t, (ok) => this.setReady(c, ok), false);
        c.probers.push(ready);
        ready.start();
      } else this.setReady(c, true);
      void this.report();
    };
    if (startupProbe) {
      const startup = new Prober(startupProbe, t, (ok) => ok && afterStartup(), false);
      startup.onFailureThreshold = () => this.kill(c, 'startup probe failed');
      c.probers.push(startup);
      startup.start();
    } else afterStartup();
  }

  private setReady(c: Running, ready: boolean): void {
    if (c.view.ready === ready) return;
    c.view.ready = ready;
    void this.report();
  }

  private kill(c: Running, why: string): void {
    this.deps.event(this.pod, 'Warning', 'Unhealthy', `container ${c.spec.name}: ${why}; restarting it`);
    c.child?.kill('SIGKILL');
  }

  private exited(c: Running, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (c.child !== child) return;
    c.child = undefined;
    for (const p of c.probers) p.stop();
    c.probers = [];
    const exitCode = code ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : 1);
    const terminated = { kind: 'terminated' as const, exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: c.view.state.kind === 'running' ? c.view.state.startedAt : undefined, finishedAt: now() };
    c.view = { ...c.view, ready: false, started: false, state: terminated, lastTerminated: terminated };
    if (this.terminating) return void this.report();
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    if (policy === 'Never' || (policy === 'OnFailure' && exitCode === 0)) {
      if (this.containers.every((x) => x.view.state.kind === 'terminated')) this.phase = this.containers.every((x) => x.view.state.kind === 'terminated' && x.view.state.exitCode === 0) ? 'Succeeded' : 'Failed';
      return void this.report();
    }
    const { delayMs, restarts } = restartDelay(this.deps.backoff, c.view.restartCount + 1, Date.now() - (c.startedAt ?? Date.now()));
    c.view.restartCount += 1;
    c.view.state = { kind: 'waiting', reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delayMs / 1000)}s restarting failed container ${c.spec.name}` };
    this.deps.logger.warn({ pod: this.key, container: c.spec.name, exitCode, restarts, delayMs }, 'container exited; restarting after back-off');
    this.deps.event(this.pod, 'Warning', 'BackOff', `back-off restarting failed container ${c.spec.name} (exit code ${exitCode})`);
    c.restartTimer = setTimeout(() => this.run(c), delayMs);
    void this.report();
  }

  /** SIGTERM every container, SIGKILL what is left when the grace period runs out; resolves when all have exited. */
  async terminate(graceSeconds: number): Promise<void> {
    this.terminating = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const waits: Promise<void>[] = [];
    for (const c of this.containers) {
      if (c.restartTimer) clearTimeout(c.restartTimer);
      for (const p of c.probers) p.stop();
      const child = c.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      waits.push(
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), graceSeconds * 1000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
      );
    }
    await Promise.all(waits);
    for (const c of this.containers) c.log?.end();
  }

  /** Writes the status; changes while a write is in flight are coalesced into one more write. */
  private async report(): Promise<void> {
    this.statusDirty = true;
    if (this.statusWriting) return this.statusWriting;
    this.statusWriting = (async () => {
      while (this.statusDirty) {
        this.statusDirty = false;
        const view: PodView = { phase: this.phase, podIP: this.deps.podIP, hostIP: this.deps.hostIP, startTime: this.startTime, containers: this.containers.map((c) => c.view), reason: this.reason, message: this.message };
        await this.deps.writeStatus(this.pod, podStatus(this.pod, view, now())).catch((err: Error) => this.deps.logger.warn({ pod: this.key, err: err.message }, 'pod status write failed'));
      }
    })().finally(() => {
      this.statusWriting = undefined;
    });
    return this.statusWriting;
  }
}
