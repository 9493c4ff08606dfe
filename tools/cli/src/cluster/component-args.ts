// The command line of each process the cluster runs, from its layout and ports. Pure, so each flag's
// reason sits beside it and the specs can pin them.
import { join } from 'node:path';
import type { ClusterConfig } from './cluster-config';
import { ClusterLayout, K8S_BIN, NODE_AGENT_MAIN, nodePlan, SERVICE_CIDR } from './cluster-layout';

/** A process of the cluster: its record and log are named after `name`. */
export interface ComponentLaunch {
  name: string;
  command: string;
  args: string[];
}

/** The users the control plane's components act as (RBAC's bootstrap policy binds their roles by name). */
export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';
export const SCHEDULER_USER = 'system:kube-scheduler';
export const ADMIN_USER = 'llmd-admin';

/**
 * kube-controller-manager's controllers: every default one, less the cloud provider's and the three that
 * write Endpoints and EndpointSlices. Those APIs refuse loopback addresses ("may not be in the loopback
 * range"), and every pod IP here is one, so they could only retry and fill the event log; the node
 * agent's Service proxy reads the Pods a Service selects instead.
 */
export const CONTROLLERS = [
  '*',
  '-cloud-node-lifecycle-controller',
  '-service-lb-controller',
  '-node-route-controller',
  '-endpoints-controller',
  '-endpointslice-controller',
  '-endpointslice-mirroring-controller',
];

export function etcdLaunch(layout: ClusterLayout, config: ClusterConfig): ComponentLaunch {
  const client = `http://127.0.0.1:${config.etcdClientPort}`;
  const peer = `http://127.0.0.1:${config.etcdPeerPort}`;
  return {
    name: 'etcd',
    command: join(K8S_BIN, 'etcd'),
    args: [
      '--name=llmd', `--data-dir=${layout.etcdData}`,
      `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=llmd=${peer}`,
      // A development cluster stopped by SIGTERM: fsync buys nothing but a slower start on a busy disk.
      '--unsafe-no-fsync', '--log-level=warn',
    ],
  };
}

export function apiserverLaunch(layout: ClusterLayout, config: ClusterConfig): ComponentLaunch {
  return {
    name: 'kube-apiserver',
    command: join(K8S_BIN, 'kube-apiserver'),
    args: [
      `--etcd-servers=http://127.0.0.1:${config.etcdClientPort}`,
      `--secure-port=${config.apiPort}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
      // It makes a CA and a serving certificate (for 127.0.0.1, the `kubernetes` Service's ClusterIP and
      // names) there on its first start and reuses them after: the kubeconfigs trust that CA.
      `--cert-dir=${layout.certs}`,
      `--token-auth-file=${layout.tokens}`, '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${layout.saPub}`, `--service-account-signing-key-file=${layout.saKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      // Its own `kubernetes` Endpoints would be 127.0.0.1, which the Endpoints API refuses: write none.
      '--endpoint-reconciler-type=none',
      // One user, a few clients: fairness queues only cost CPU on a small machine.
      '--enable-priority-and-fairness=false', '--profiling=false',
    ],
  };
}

export function controllerManagerLaunch(layout: ClusterLayout): ComponentLaunch {
  return {
    name: 'kube-controller-manager',
    command: join(K8S_BIN, 'kube-controller-manager'),
    args: [
      `--kubeconfig=${layout.componentKubeconfig('kube-controller-manager')}`, `--controllers=${CONTROLLERS.join(',')}`,
      // Each controller acts with its own service account's token, minted with the key the apiserver verifies.
      '--use-service-account-credentials=true', `--service-account-private-key-file=${layout.saKey}`,
      // Published to every namespace as kube-root-ca.crt, which pods' service-account volumes mount.
      `--root-ca-file=${layout.ca}`,
      '--cluster-name=llmd', '--leader-elect=false', '--secure-port=0',
    ],
  };
}

export function schedulerLaunch(layout: ClusterLayout): ComponentLaunch {
  return {
    name: 'kube-scheduler',
    command: join(K8S_BIN, 'kube-scheduler'),
    args: [`--kubeconfig=${layout.componentKubeconfig('kube-scheduler')}`, '--leader-elect=false', '--secure-port=0'],
  };
}

/** The node agents, node 1 also serving the Services' ClusterIPs. */
/** The name the pods reach Kafka by, in every namespace: the bootstrap Service of a Strimzi `Kafka` named `llmd`, the charts' default. */
export const KAFKA_SERVICE = 'llmd-kafka-bootstrap:9092';

export function nodeAgentLaunches(layout: ClusterLayout, nodes: number, node = process.execPath, kafka?: string): ComponentLaunch[] {
  return nodePlan(nodes).map((n) => ({
    name: n.name,
    command: node,
    args: [
      '--enable-source-maps', NODE_AGENT_MAIN,
      '--kubeconfig', layout.kubeconfig, '--node', n.name, '--pod-subnet', n.podSubnet, '--state-dir', layout.nodeState(n.name),
      ...(n.serviceProxy ? ['--service-proxy', ...(kafka ? ['--external-service', `${KAFKA_SERVICE}=${kafka}`] : [])] : []),
    ],
  }));
}
