import { join } from 'node:path';
import { STATE_DIR } from '../paths';
import { clusterDir, clusterLayout, nodePlan } from './cluster-layout';

describe('clusterDir', () => {
  it.each<[string, string | undefined, NodeJS.ProcessEnv, string]>([
    ['--dir first', '/tmp/a', { LLMD_CLUSTER_DIR: '/tmp/b' }, '/tmp/a'],
    ['then $LLMD_CLUSTER_DIR', undefined, { LLMD_CLUSTER_DIR: '/tmp/b' }, '/tmp/b'],
    ['else .llmd/cluster', undefined, {}, join(STATE_DIR, 'cluster')],
  ])('%s', (_name, flag, env, expected) => {
    expect(clusterDir(flag, env)).toBe(expected);
  });
});

describe('clusterLayout', () => {
  it('keeps everything under the one directory', () => {
    const layout = clusterLayout('/c');
    expect(layout).toMatchObject({ config: '/c/cluster.json', kubeconfig: '/c/kubeconfig', etcdData: '/c/etcd', servingCert: '/c/certs/apiserver.crt', tokens: '/c/pki/tokens.csv' });
    expect([layout.log('etcd'), layout.record('llmd-node-1'), layout.nodeState('llmd-node-1')]).toEqual(['/c/logs/etcd.log', '/c/run/llmd-node-1.json', '/c/nodes/llmd-node-1']);
  });
});

describe('nodePlan', () => {
  it('names nodes from 1, gives node i 127.i.0.0/16, and the Service proxy to node 1 only', () => {
    expect(nodePlan(3)).toEqual([
      { name: 'llmd-node-1', podSubnet: '127.1.0.0/16', serviceProxy: true },
      { name: 'llmd-node-2', podSubnet: '127.2.0.0/16', serviceProxy: false },
      { name: 'llmd-node-3', podSubnet: '127.3.0.0/16', serviceProxy: false },
    ]);
    expect(nodePlan(0)).toEqual([]);
  });

  it.each([-1, 17, 1.5])('refuses %p nodes', (n) => {
    expect(() => nodePlan(n)).toThrow(/nodes must be an integer from 0 to 16/);
  });
});
