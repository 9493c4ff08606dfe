// llmd's node agent: registers a Node, keeps its Lease renewed, and runs the pods the scheduler binds
// to it as local processes (pod-runner.ts), each on its own loopback address; with the service proxy
// on, it also serves the cluster's Services (service-proxy.ts). A test and development harness, the
// kubelet's contract in miniature: status, probes, restarts, grace periods, events.
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import type { KubeConfig, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Informer, isConflict, isNotFound, kubeRequest } from '@llmd/controller-kit';
import { BackoffPolicy, KUBELET_BACKOFF } from '../../backoff';
import type { ObjectData } from './container-env';
import { IpAllocator } from './ip-allocator';
import { PodRunner } from './pod-runner';
import { ExternalService, NODE_ADDRESS, ServiceProxy } from './service-proxy';

export interface NodeAgentOptions {
  kubeconfig: KubeConfig;
  nodeName: string;
  /** Loopback subnet the pods' IPs come from, e.g. 127.1.0.0/16. */
  podSubnet: string;
  /** Pods' folders (volumes, logs). */
  stateDir: string;
  /** dist/ of this checkout. */
  dist: string;
  /** Serve the Services (one agent per cluster does). */
  serviceProxy: boolean;
  /** Services outside the cluster the pods reach by name (with the service proxy). */
  externalServices?: ExternalService[];
  /** The hosts file the Services' names resolve from (written by the agent that serves them). */
  hostsFile: string;
  logger: Logger;
  /** @default the kubelet's: 10 s doubling to 5 min */
  backoff?: BackoffPolicy;
  /** How often the node's Lease is renewed. @default 10000 */
  leaseRenewMs?: number;
}

const PODS = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
const HOST_IP = NODE_ADDRESS;
/** What the node offers the scheduler: generous, since nothing is enforced (a process is not a container). */
const CAPACITY = { cpu: String(Math.max(64, cpus().length)), memory: `${Math.max(256, Math.round(totalmem() / 2 ** 30))}Gi`, pods: '250', 'nvidia.com/gpu': '8', 'ephemeral-storage': '500Gi' };

export class NodeAgent {
  private readonly ips: IpAllocator;
  private readonly runners = new Map<string, { runner: PodRunner; uid: string; ip: string; stopping?: Promise<void> }>();
  private informer?: Informer<V1Pod>;
  private proxy?: ServiceProxy;
  private leaseTimer?: NodeJS.Timeout;
  private statusTimer?: NodeJS.Timeout;
  private caCert?: string;

  constructor(private readonly o: NodeAgentOptions) {
    this.ips = new IpAllocator(o.podSubnet);
  }

  private request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    return kubeRequest<T>(this.o.kubeconfig, method, path, body, contentType ? { contentType } : {});
  }

  async start(): Promise<void> {
    mkdirSync(this.o.stateDir, { recursive: true });
    const cluster = this.o.kubeconfig.getCurrentCluster();
    this.caCert = cluster?.caData ? Buffer.from(cluster.caData, 'base64').toString() : undefined;
    await this.register();
    this.leaseTimer = setInterval(() => void this.renewLease(), this.o.leaseRenewMs ?? 10000);
    this.statusTimer = setInterval(() => void this.reportNodeStatus(), 60000);
    if (this.o.serviceProxy) {
      this.proxy = new ServiceProxy(this.o.kubeconfig, this.o.hostsFile, this.o.logger.child({ component: 'service-proxy' }), this.o.externalServices);
      await this.proxy.start();
    }
    this.informer = new Informer<V1Pod>(this.o.kubeconfig, PODS, { fieldSelector: `spec.nodeName=${this.o.nodeName}`, logger: this.o.logger });
    this.informer.on((type, pod) => void this.onPod(type, pod));
    await this.informer.start();
    this.o.logger.info({ node: this.o.nodeName, podSubnet: this.o.podSubnet, serviceProxy: this.o.serviceProxy }, 'node agent running');
  }

  /** Stops serving: every pod's processes get SIGTERM and a short grace; the pods stay bound (a restarted agent runs them again). */
  async stop(): Promise<void> {
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.informer?.stop();
    this.proxy?.stop();
    await Promise.all([...this.runners.values()].map((r) => r.runner.terminate(5)));
    this.runners.clear();
  }

  // --- the Node and its Lease --------------------------------------------------------------------

  private async register(): Promise<void> {
    const name = this.o.nodeName;
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch, 'node.kubernetes.io/instance-type': 'llmd-node-agent', 'topology.kubernetes.io/zone': name },
      },
      spec: { podCIDR: this.o.podSubnet, podCIDRs: [this.o.podSubnet] },
    };
    await this.request('PATCH', `/api/v1/nodes/${name}?fieldManager=llmd-node-agent&force=true`, node, 'application/apply-patch+yaml');
    await this.reportNodeStatus();
    await this.renewLease();
  }

  private async reportNodeStatus(): Promise<void> {
    const now = new Date().toISOString();
    const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
    const status = {
      capacity: CAPACITY,
      allocatable: CAPACITY,
      addresses: [{ type: 'InternalIP', address: HOST_IP }, { type: 'Hostname', address: this.o.nodeName }],
      conditions: [
        condition('Ready', 'True', 'KubeletReady', "llmd's node agent is posting ready status"),
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'not measured'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'not measured'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'not measured'),
      ],
      nodeInfo: { machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: "llmd's node agent (pods are local processes)", containerRuntimeVersion: 'llmd://processes', kubeletVersion: 'v1.34.4', kubeProxyVersion: '', operatingSystem: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch },
    };
    await this.request('PATCH', `/api/v1/nodes/${this.o.nodeName}/status`, { status }, 'application/merge-patch+json').catch((err: Error) => this.o.logger.warn({ err: err.message }, 'node status update failed'));
  }

  private async renewLease(): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${this.o.nodeName}`;
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.nodeName, namespace: 'kube-node-lease' }, spec: { holderIdentity: this.o.nodeName, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace('Z', '000Z') } };
    await this.request('PATCH', `${path}?fieldManager=llmd-node-agent&force=true`, lease, 'application/apply-patch+yaml').catch((err: Error) => this.o.logger.warn({ err: err.message }, 'node lease renewal failed'));
  }

  // --- pods ----------------------------------------------------------------------------------------

  private key(pod: V1Pod): string {
    return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  }

  private async onPod(type: string, pod: V1Pod): Promise<void> {
    const key = this.key(pod);
    const current = this.runners.get(key);
    if (current && current.uid !== pod.metadata?.uid) {
      // A new pod of the same name (a StatefulSet's): the old one is gone.
      await this.finish(key, current, 0);
    }
    const entry = this.runners.get(key);
    if (type === 'delete') {
      if (entry) await this.finish(key, entry, 0);
      return;
    }
    if (pod.metadata?.deletionTimestamp) {
      if (entry) {
        const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
        await this.finish(key, entry, grace, pod);
      } else await this.forceDelete(pod);
      return;
    }
    if (entry) return entry.runner.update(pod);
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    const previous = pod.status?.podIP;
    const ports = (pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
    const ip = previous && this.ips.claim(previous) ? previous : await this.freeAddress(ports);
    const dir = join(this.o.stateDir, 'pods', `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`);
    const runner = new PodRunner(pod, {
      dist: this.o.dist,
      dir,
      podIP: ip,
      hostIP: HOST_IP,
      apiServer: { url: this.o.kubeconfig.getCurrentCluster()?.server ?? '', caCert: this.caCert },
      hostsFile: this.o.hostsFile,
      fetchData: (ns, refs) => this.fetchData(ns, refs),
      token: (p) => this.token(p),
      writeStatus: (p, status) => this.writeStatus(p, status),
      event: (p, t, reason, message) => void this.event(p, t, reason, message),
      backoff: this.o.backoff ?? KUBELET_BACKOFF,
      logger: this.o.logger,
    });
    this.runners.set(key, { runner, uid: pod.metadata?.uid ?? '', ip });
    this.o.logger.info({ pod: key, ip }, 'starting pod');
    await runner.start();
  }

  /**
   * The next pod IP none of whose ports something else on this machine (another cluster's pod, a
   * developer's process) already listens on; such an address stays taken, so it is not offered again.
   */
  private async freeAddress(ports: number[]): Promise<string> {
    for (let tries = 0; tries < 64; tries++) {
      const ip = this.ips.allocate();
      if ((await Promise.all(ports.map((port) => canListen(ip, port)))).every(Boolean)) return ip;
      this.o.logger.warn({ ip, ports }, 'something else listens on this address; skipping it');
    }
    throw new Error('no pod IP with its ports free after 64 tries');
  }

  /** Stops the pod's processes (SIGTERM, SIGKILL after the grace period) and, for a deleted pod, removes the object. */
  private async finish(key: string, entry: { runner: PodRunner; uid: string; ip: string; stopping?: Promise<void> }, graceSeconds: number, pod?: V1Pod): Promise<void> {
    entry.stopping ??= (async () => {
      this.o.logger.info({ pod: key, graceSeconds }, 'stopping pod');
      await entry.runner.terminate(graceSeconds);
      if (pod) await this.forceDelete(pod);
      if (this.runners.get(key) === entry) this.runners.delete(key);
      this.ips.release(entry.ip);
    })();
    return entry.stopping;
  }

  /** The kubelet's last word on a terminated pod: delete it with no grace (the uid guards a newer pod of the same name). */
  private async forceDelete(pod: V1Pod): Promise<void> {
    await this.request('DELETE', `/api/v1/namespaces/${pod.metadata?.namespace}/pods/${pod.metadata?.name}`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } }).catch((err: Error) => {
      if (!isNotFound(err) && !isConflict(err)) this.o.logger.warn({ pod: this.key(pod), err: err.message }, 'pod delete failed');
    });
    rmSync(join(this.o.stateDir, 'pods', `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`), { recursive: true, force: true });
  }

  private async writeStatus(pod: V1Pod, status: V1PodStatus): Promise<void> {
    await this.request('PATCH', `/api/v1/namespaces/${pod.metadata?.namespace}/pods/${pod.metadata?.name}/status`, { status }, 'application/merge-patch+json').catch((err: Error) => {
      if (!isNotFound(err)) throw err;
    });
  }

  private async fetchData(namespace: string, refs: { kind: 'ConfigMap' | 'Secret'; name: string }[]): Promise<ObjectData> {
    const found = new Map<string, Record<string, string>>();
    for (const ref of refs) {
      const id = `${ref.kind}/${ref.name}`;
      if (found.has(id)) continue;
      const path = `/api/v1/namespaces/${namespace}/${ref.kind === 'ConfigMap' ? 'configmaps' : 'secrets'}/${ref.name}`;
      const obj = await this.request<{ data?: Record<string, string>; binaryData?: Record<string, string> }>('GET', path).catch((err: Error) => (isNotFound(err) ? undefined : Promise.reject(err)));
      if (!obj) continue;
      const data = ref.kind === 'Secret' ? Object.fromEntries(Object.entries(obj.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])) : { ...(obj.data ?? {}), ...Object.fromEntries(Object.entries(obj.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])) };
      found.set(id, data);
    }
    return (kind, name) => found.get(`${kind}/${name}`);
  }

  private async token(pod: V1Pod): Promise<string> {
    const sa = pod.spec?.serviceAccountName || 'default';
    const res = await this.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${pod.metadata?.namespace}/serviceaccounts/${sa}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      // 3607 s is what the kubelet asks for; the apiserver extends a pod-bound token's life (its default --service-account-extend-token-expiration).
      spec: { expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid: pod.metadata?.uid } },
    });
    return res.status.token;
  }

  private async event(pod: V1Pod, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date().toISOString();
    await this.request('POST', `/api/v1/namespaces/${pod.metadata?.namespace}/events`, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${pod.metadata?.name}.`, namespace: pod.metadata?.namespace },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, namespace: pod.metadata?.namespace, uid: pod.metadata?.uid },
      reason,
      message,
      type,
      source: { component: 'llmd-node-agent', host: this.o.nodeName },
      reportingComponent: 'llmd-node-agent',
      reportingInstance: this.o.nodeName,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    }).catch((err: Error) => this.o.logger.warn({ err: err.message }, 'event write failed'));
  }
}

/** Whether a listener could bind ip:port now. */
function canListen(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, ip, () => server.close(() => resolve(true)));
  });
}
