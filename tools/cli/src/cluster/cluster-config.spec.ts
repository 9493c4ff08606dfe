import { parseClusterConfig, resolveClusterConfig } from './cluster-config';
import { ClusterError } from './cluster.error';

describe('resolveClusterConfig', () => {
  const stored = { apiPort: 7443, etcdClientPort: 7444, etcdPeerPort: 7445, nodes: 2 };
  it.each([
    ['a new cluster on the default port', undefined, { nodes: 1 }, { apiPort: 6443, etcdClientPort: 6444, etcdPeerPort: 6445, nodes: 1 }],
    ['a new cluster on --port', undefined, { port: 30000, nodes: 0 }, { apiPort: 30000, etcdClientPort: 30001, etcdPeerPort: 30002, nodes: 0 }],
    ['an existing cluster keeps its ports', stored, { nodes: 1 }, { ...stored, nodes: 1 }],
    ['an existing cluster moves its apiserver only', stored, { port: 9443, nodes: 2 }, { ...stored, apiPort: 9443 }],
  ])('%s', (_name, existing, wanted, expected) => {
    expect(resolveClusterConfig(existing, wanted)).toEqual(expected);
  });

  it.each([
    ['an apiserver port on etcd\'s', stored, { port: 7444, nodes: 1 }, /--port 7444 is one of this cluster's etcd ports \(7444, 7445\)/],
    ['no room for etcd after --port', undefined, { port: 65534, nodes: 1 }, /--port 65534 leaves no room for etcd/],
  ])('refuses %s', (_name, existing, wanted, message) => {
    expect(() => resolveClusterConfig(existing, wanted)).toThrow(message);
  });
});

describe('parseClusterConfig', () => {
  it('reads what is written', () => {
    const config = { apiPort: 6443, etcdClientPort: 6444, etcdPeerPort: 6445, nodes: 1 };
    expect(parseClusterConfig(JSON.stringify(config), 'cluster.json')).toEqual(config);
  });

  it.each([
    ['not JSON', '{', /cluster.json is not JSON/],
    ['a missing port', '{"apiPort":6443,"etcdClientPort":6444}', /cluster.json: etcdPeerPort must be a port number, got undefined/],
    ['a port out of range', '{"apiPort":70000,"etcdClientPort":6444,"etcdPeerPort":6445}', /apiPort must be a port number, got 70000/],
  ])('refuses %s, naming the file and the field', (_name, text, message) => {
    let error: unknown;
    try {
      parseClusterConfig(text, 'cluster.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).code).toBe('LLMD_CLUSTER_BAD_STATE');
    expect((error as ClusterError).message).toMatch(message);
  });
});
