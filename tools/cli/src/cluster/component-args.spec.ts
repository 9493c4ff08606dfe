import { clusterLayout, NODE_AGENT_MAIN } from './cluster-layout';
import { apiserverLaunch, CONTROLLERS, controllerManagerLaunch, etcdLaunch, nodeAgentLaunches, schedulerLaunch } from './component-args';

const layout = clusterLayout('/c');
const config = { apiPort: 6443, etcdClientPort: 6444, etcdPeerPort: 6445, nodes: 2 };

describe('the control plane\'s command lines', () => {
  it.each([
    ['etcd', etcdLaunch(layout, config), ['--data-dir=/c/etcd', '--listen-client-urls=http://127.0.0.1:6444', '--listen-peer-urls=http://127.0.0.1:6445', '--initial-cluster=llmd=http://127.0.0.1:6445']],
    [
      'kube-apiserver',
      apiserverLaunch(layout, config),
      [
        '--etcd-servers=http://127.0.0.1:6444', '--secure-port=6443', '--bind-address=127.0.0.1', '--cert-dir=/c/certs',
        '--token-auth-file=/c/pki/tokens.csv', '--authorization-mode=RBAC', '--service-account-key-file=/c/pki/sa.pub',
        '--service-account-signing-key-file=/c/pki/sa.key', '--service-cluster-ip-range=127.96.0.0/16', '--endpoint-reconciler-type=none',
      ],
    ],
    [
      'kube-controller-manager',
      controllerManagerLaunch(layout),
      [
        '--kubeconfig=/c/pki/kube-controller-manager.kubeconfig', '--use-service-account-credentials=true',
        '--service-account-private-key-file=/c/pki/sa.key', '--root-ca-file=/c/pki/ca.crt', '--leader-elect=false', '--secure-port=0',
      ],
    ],
    ['kube-scheduler', schedulerLaunch(layout), ['--kubeconfig=/c/pki/kube-scheduler.kubeconfig', '--leader-elect=false', '--secure-port=0']],
  ])('%s', (name, launch, flags) => {
    expect(launch.name).toBe(name);
    expect(launch.command).toMatch(new RegExp(`/\\.llmd/k8s/bin/${name}$`));
    expect(launch.args).toEqual(expect.arrayContaining(flags));
  });

  it('keeps the ServiceAccount admission plugin: nothing disables an admission plugin', () => {
    expect(apiserverLaunch(layout, config).args.filter((a) => a.startsWith('--disable-admission-plugins'))).toEqual([]);
  });

  it('runs every default controller but the cloud provider\'s and the ones that write loopback Endpoints', () => {
    expect(controllerManagerLaunch(layout).args).toContain(`--controllers=${CONTROLLERS.join(',')}`);
    expect(CONTROLLERS[0]).toBe('*');
    expect(CONTROLLERS.slice(1).sort()).toEqual([
      '-cloud-node-lifecycle-controller', '-endpoints-controller', '-endpointslice-controller', '-endpointslice-mirroring-controller', '-node-route-controller', '-service-lb-controller',
    ]);
  });
});

describe('the node agents\' command lines', () => {
  it('give each node its name, subnet and state, with the admin kubeconfig; node 1 proxies the Services', () => {
    const [one, two] = nodeAgentLaunches(layout, 2, '/usr/bin/node');
    expect(one).toEqual({
      name: 'llmd-node-1',
      command: '/usr/bin/node',
      args: ['--enable-source-maps', NODE_AGENT_MAIN, '--kubeconfig', '/c/kubeconfig', '--node', 'llmd-node-1', '--pod-subnet', '127.1.0.0/16', '--state-dir', '/c/nodes/llmd-node-1', '--service-proxy'],
    });
    expect(two.args.slice(2)).toEqual(['--kubeconfig', '/c/kubeconfig', '--node', 'llmd-node-2', '--pod-subnet', '127.2.0.0/16', '--state-dir', '/c/nodes/llmd-node-2']);
    expect(NODE_AGENT_MAIN).toMatch(/dist\/tools\/cli\/src\/cluster\/node-agent\/node-agent\.main\.js$/);
  });
});
