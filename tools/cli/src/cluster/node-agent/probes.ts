// Container probes as the kubelet runs them: httpGet (2xx and 3xx pass), tcpSocket and exec, every
// periodSeconds after initialDelaySeconds, with the success and failure thresholds deciding when the
// result flips. Named ports resolve through the container's ports; httpGet goes to the pod's IP.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import type { V1ContainerPort, V1Probe } from '@kubernetes/client-node';

export interface ProbeTarget {
  podIP: string;
  ports: V1ContainerPort[];
  /** exec probes: the command as it runs here (container paths rewritten). */
  execArgv(command: string[]): string[];
}

export class ProbeError extends Error {}

/** The port number a probe names: a number, or a container port's name. */
export function probePort(port: number | string | undefined, ports: V1ContainerPort[]): number {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  const found = ports.find((p) => p.name === port);
  if (!found) throw new ProbeError(`no container port named ${String(port)}`);
  return found.containerPort;
}

/** One probe attempt; resolves true on success, false on failure (never throws for the probed side). */
export async function probeOnce(probe: V1Probe, target: ProbeTarget): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const port = probePort(probe.httpGet.port as number | string, target.ports);
    const host = probe.httpGet.host || target.podIP;
    const scheme = (probe.httpGet.scheme ?? 'HTTP').toLowerCase();
    const headers = Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
    try {
      const res = await fetch(`${scheme}://${host}:${port}${probe.httpGet.path ?? '/'}`, { headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      return res.status >= 200 && res.status < 400;
    } catch {
      return false;
    }
  }
  const tcp = probe.tcpSocket;
  if (tcp) {
    const port = probePort(tcp.port as number | string, target.ports);
    return new Promise((resolve) => {
      const socket = connect({ host: tcp.host || target.podIP, port, timeout: timeoutMs });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.once('connect', () => done(true));
      socket.once('timeout', () => done(false));
      socket.once('error', () => done(false));
    });
  }
  if (probe.exec?.command?.length) {
    const [file, ...args] = target.execArgv(probe.exec.command);
    return new Promise((resolve) => execFile(file, args, { timeout: timeoutMs }, (err) => resolve(!err)));
  }
  throw new ProbeError('the probe has no httpGet, tcpSocket or exec handler');
}

/**
 * Runs a probe on its schedule and reports each change of its result. A readiness or startup probe
 * starts failing (not ready, not started until it passes); a liveness probe starts passing.
 */
export class Prober {
  private timer?: NodeJS.Timeout;
  private ok: boolean;
  private successes = 0;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly probe: V1Probe,
    private readonly target: ProbeTarget,
    private readonly onChange: (ok: boolean) => void,
    initial: boolean,
  ) {
    this.ok = initial;
  }

  start(): void {
    this.schedule((this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  get passing(): boolean {
    return this.ok;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    const passed = await probeOnce(this.probe, this.target).catch(() => false);
    if (this.stopped) return;
    if (passed) {
      this.failures = 0;
      this.successes++;
      if (!this.ok && this.successes >= (this.probe.successThreshold ?? 1)) this.flip(true);
    } else {
      this.successes = 0;
      this.failures++;
      if (this.ok && this.failures >= (this.probe.failureThreshold ?? 3)) this.flip(false);
      else if (!this.ok && this.failures >= (this.probe.failureThreshold ?? 3)) {
        this.failures = 0;
        this.onFailureThreshold?.();
      }
    }
    this.schedule((this.probe.periodSeconds ?? 10) * 1000);
  }

  /** Called each time a never-passed probe reaches its failure threshold (a startup probe then kills the container). */
  onFailureThreshold?: () => void;

  private flip(ok: boolean): void {
    this.ok = ok;
    this.onChange(ok);
  }
}
