import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterError } from './cluster.error';
import { assertPortsFree, checkBinaries, logTail, waitUntil } from './startup-checks';

const dir = mkdtempSync(join(tmpdir(), 'llmd-cluster-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as ClusterError).code;
  }
  return undefined;
}

describe('checkBinaries', () => {
  const bin = join(dir, 'bin');
  const agent = join(dir, 'node-agent.main.js');
  mkdirSync(bin);

  it('names each missing binary and says to run the build script', () => {
    writeFileSync(join(bin, 'etcd'), '');
    expect(() => checkBinaries(0, bin, agent)).toThrow(new RegExp(`${bin}/kube-apiserver, ${bin}/kube-controller-manager, ${bin}/kube-scheduler are missing: run \`bash tools/k8s/build.sh\``));
    expect(codeOf(() => checkBinaries(0, bin, agent))).toBe('LLMD_CLUSTER_MISSING_BINARY');
  });

  it('needs the node agent only when nodes are asked for, and names its file', () => {
    for (const b of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) writeFileSync(join(bin, b), '');
    expect(() => checkBinaries(0, bin, agent)).not.toThrow();
    expect(() => checkBinaries(1, bin, agent)).toThrow(`the node agent ${agent} is missing`);
    expect(codeOf(() => checkBinaries(1, bin, agent))).toBe('LLMD_CLUSTER_MISSING_NODE_AGENT');
    writeFileSync(agent, '');
    expect(() => checkBinaries(2, bin, agent)).not.toThrow();
  });
});

describe('assertPortsFree', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('says which port is in use, what it was for, and what to do', async () => {
    await expect(assertPortsFree([{ port, what: 'kube-apiserver', fix: 'choose another with --port' }])).rejects.toThrow(`port ${port} on 127.0.0.1 (kube-apiserver) is in use by another process; choose another with --port`);
  });

  it('passes free ports', async () => {
    await new Promise((r) => server.close(r));
    await expect(assertPortsFree([{ port, what: 'kube-apiserver', fix: '' }])).resolves.toBeUndefined();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
});

describe('waitUntil', () => {
  const gone = { name: 'etcd', pid: 2 ** 22 + 7, argv: ['/no/such'], log: join(dir, 'etcd.log') };

  it('fails at once when a watched process has exited, with the end of its log', async () => {
    writeFileSync(gone.log, Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\n');
    await expect(waitUntil('readiness', async () => false, [gone], 60000)).rejects.toThrow(new RegExp(`etcd exited while waiting for readiness; the end of ${gone.log}:\\nline 5\\n[\\s\\S]*line 19$`));
  });

  it('resolves once the condition holds, and fails naming what it waited for after the time given', async () => {
    let calls = 0;
    await expect(waitUntil('x', async () => ++calls >= 3, [], 10000)).resolves.toBeUndefined();
    await expect(waitUntil('the default ServiceAccount', async () => false, [], 300)).rejects.toThrow('the default ServiceAccount: not within 0 s');
  });

  it('treats a condition that throws as not yet', async () => {
    let calls = 0;
    await expect(waitUntil('x', async () => {
      if (++calls < 3) throw new Error('ECONNREFUSED');
      return true;
    }, [], 10000)).resolves.toBeUndefined();
  });

  it('tails a missing log as such', () => {
    expect(logTail(join(dir, 'none.log'))).toBe('(no log)');
  });
});
