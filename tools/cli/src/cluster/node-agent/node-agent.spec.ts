// The node agent's pure parts: images, env and $(VAR) expansion, path rewriting, pod IPs, back-off,
// the status it writes and the Services' endpoints and names.
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { KUBELET_BACKOFF, restartDelay } from '../../backoff';
import { containerArgv, containerEnv, EnvError, expand } from './container-env';
import { entryFor, imageName } from './images';
import { IpAllocator } from './ip-allocator';
import { podStatus } from './pod-status';
import { processArgv } from './pod-runner';
import { hostsEntries, isEndpoint, selects, targetPort } from './service-proxy';
import { rewritePaths } from './volumes';

const pod = (over: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'sim', tier: 'a' }, annotations: { note: 'x' } },
  spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [{ name: 'c', image: 'llmd-vllm-sim:0.1.0', ports: [{ name: 'http', containerPort: 8000 }] }] },
  ...over,
});

describe('images', () => {
  it.each([
    ['llmd-gateway', 'llmd-gateway', 'apps/gateway/src/main.js'],
    ['reg.example:5000/team/llmd-vllm-sim:0.1.0', 'llmd-vllm-sim', 'apps/vllm-sim/src/main.js'],
    [`llmd-operator@sha256:${'a'.repeat(64)}`, 'llmd-operator', 'apps/operator/src/main.js'],
    ['vllm/vllm-openai:v0.11.0', 'vllm-openai', undefined],
  ])('%s is %s', (image, name, entry) => {
    expect(imageName(image)).toBe(name);
    expect(entryFor(image)).toBe(entry);
  });
});

describe('container env', () => {
  it.each([
    ['$(A)-$(B)', { A: '1' }, '1-$(B)'],
    ['$$(A)', { A: '1' }, '$(A)'],
    ['kv@$(POD_IP)@m', { POD_IP: '127.1.0.3' }, 'kv@127.1.0.3@m'],
  ])('expands %s', (text, vars, out) => expect(expand(text, vars)).toBe(out));

  it('resolves values, field refs, ConfigMap and Secret keys and envFrom, later wins', () => {
    const p = pod();
    p.spec!.containers[0].envFrom = [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }];
    p.spec!.containers[0].env = [
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
      { name: 'PASS', valueFrom: { secretKeyRef: { name: 's', key: 'password' } } },
      { name: 'URL', value: 'http://$(IP):8000' },
      { name: 'CM_X', value: 'override' },
    ];
    const data = (kind: string, name: string): Record<string, string> | undefined => (kind === 'ConfigMap' && name === 'cm' ? { X: 'from-cm', Y: 'y' } : kind === 'Secret' && name === 's' ? { password: 'pw' } : undefined);
    const env = containerEnv(p, p.spec!.containers[0], data, { podIP: '127.1.0.3', hostIP: '127.0.0.1' });
    expect(env).toEqual({ CM_X: 'override', CM_Y: 'y', IP: '127.1.0.3', NS: 'ns', TIER: 'a', PASS: 'pw', URL: 'http://127.1.0.3:8000' });
    p.spec!.containers[0].args = ['--url', '$(URL)'];
    expect(containerArgv(p.spec!.containers[0], env).args).toEqual(['--url', 'http://127.1.0.3:8000']);
  });

  it('refuses a missing key unless optional, naming the variable', () => {
    const p = pod();
    p.spec!.containers[0].env = [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'absent' } } }];
    expect(() => containerEnv(p, p.spec!.containers[0], () => ({}), { podIP: '', hostIP: '' })).toThrow(new EnvError('K: ConfigMap cm has no key absent'));
    p.spec!.containers[0].env = [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'absent', optional: true } } }];
    expect(containerEnv(p, p.spec!.containers[0], () => ({}), { podIP: '', hostIP: '' })).toEqual({});
  });
});

describe('rewritePaths', () => {
  const mounts = [
    { mountPath: '/etc/llmd/config/extra', hostPath: '/var/x/extra' },
    { mountPath: '/etc/llmd/config', hostPath: '/var/x/config' },
    { mountPath: '/tmp', hostPath: '/var/x/tmp' },
  ];
  it.each([
    ['/etc/llmd/config/config.yaml', '/var/x/config/config.yaml'],
    ['/etc/llmd/config/extra/a', '/var/x/extra/a'],
    ['keysFile: /etc/llmd/config/keys.yaml\n', 'keysFile: /var/x/config/keys.yaml\n'],
    ['--config=/etc/llmd/config', '--config=/var/x/config'],
    ['/etc/llmd/configuration', '/etc/llmd/configuration'],
    ['/srv/tmp/file', '/srv/tmp/file'],
    ['["/tmp/a"]', '["/var/x/tmp/a"]'],
  ])('%s -> %s', (text, out) => expect(rewritePaths(text, mounts)).toBe(out));

  it("rewrites a container's args, never the agent's own paths, even with the checkout under a mounted /tmp", () => {
    const host = { execPath: '/usr/bin/node', preload: '/tmp/ci/dist/tools/cli/src/cluster/node-agent/preload.js', entry: '/tmp/ci/dist/apps/gateway/src/main.js' };
    expect(processArgv(host, [], ['--config', '/etc/llmd/config/config.yaml', '--cache=/tmp/c'], mounts)).toEqual([
      '/usr/bin/node', '--enable-source-maps', '--require', host.preload, host.entry, '--config', '/var/x/config/config.yaml', '--cache=/var/x/tmp/c',
    ]);
    expect(processArgv(host, ['node', '/tmp/tool.js'], [], mounts)).toEqual(['/usr/bin/node', '--enable-source-maps', '--require', host.preload, '/var/x/tmp/tool.js']);
  });
});

describe('IpAllocator', () => {
  it('hands out the subnet in order, skips taken ones, reuses released ones, and refuses non-loopback subnets', () => {
    const ips = new IpAllocator('127.1.0.0/30');
    expect(ips.allocate()).toBe('127.1.0.1');
    expect(ips.claim('127.1.0.2')).toBe(true);
    expect(ips.claim('127.1.0.2')).toBe(false);
    expect(ips.claim('127.2.0.2')).toBe(false);
    expect(() => ips.allocate()).toThrow(/no free pod IP/);
    ips.release('127.1.0.1');
    expect(ips.allocate()).toBe('127.1.0.1');
    expect(() => new IpAllocator('10.0.0.0/16')).toThrow(/must be in 127\.0\.0\.0\/8/);
  });
});

describe('restartDelay', () => {
  it.each([
    [1, 1000, 10_000],
    [2, 1000, 20_000],
    [5, 1000, 160_000],
    [6, 1000, 300_000],
    [9, 1000, 300_000],
    [9, 600_000, 10_000],
  ])('restart %d after a %d ms run waits %d ms', (n, ran, delay) => expect(restartDelay(KUBELET_BACKOFF, n, ran).delayMs).toBe(delay));
});

describe('podStatus', () => {
  it('is Ready only when every container is, and keeps transition times that did not change', () => {
    const p = pod({ status: { conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' as unknown as Date }] } });
    const s = podStatus(p, { phase: 'Running', podIP: '127.1.0.1', hostIP: '127.0.0.1', startTime: 't0', containers: [{ name: 'c', image: 'i', state: { kind: 'running', startedAt: 't1' }, ready: false, started: true, restartCount: 2 }] }, 't2');
    const cond = (t: string) => s.conditions?.find((c) => c.type === t);
    expect(cond('Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [c]' });
    expect(cond('PodScheduled')?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(s).toMatchObject({ phase: 'Running', podIP: '127.1.0.1', podIPs: [{ ip: '127.1.0.1' }], containerStatuses: [{ name: 'c', restartCount: 2, state: { running: { startedAt: 't1' } } }] });
  });
});

describe('Services', () => {
  const svc = (over: Partial<V1Service['spec']> = {}): V1Service => ({ metadata: { name: 's', namespace: 'ns' }, spec: { clusterIP: '127.96.0.9', selector: { app: 'sim' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...over } } as V1Service);
  const readyPod = (ip: string, ready = true): V1Pod => ({ ...pod(), status: { podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });

  it('selects ready pods of its namespace by label and reaches their named port', () => {
    expect(selects(svc(), readyPod('127.1.0.1'))).toBe(true);
    expect(selects(svc({ selector: { app: 'other' } }), readyPod('127.1.0.1'))).toBe(false);
    expect(selects(svc({ selector: {} }), readyPod('127.1.0.1'))).toBe(false);
    expect(isEndpoint(readyPod('127.1.0.1', false))).toBe(false);
    expect(targetPort(svc().spec!.ports![0], readyPod('127.1.0.1'))).toBe(8000);
    expect(targetPort({ port: 80, targetPort: 9000 }, readyPod('127.1.0.1'))).toBe(9000);
  });

  it('names every Service by its FQDN: the ClusterIP, or a ready pod for a headless one', () => {
    const headless = { ...svc({ clusterIP: 'None' }), metadata: { name: 'h', namespace: 'ns' } } as V1Service;
    expect(hostsEntries([svc(), headless], [readyPod('127.1.0.4', false), readyPod('127.1.0.5')])).toEqual({ 's.ns.svc.cluster.local': '127.96.0.9', 'h.ns.svc.cluster.local': '127.1.0.5' });
  });
});
