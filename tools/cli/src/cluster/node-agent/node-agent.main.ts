// The node agent as a process: `node node-agent.main.js --kubeconfig F --node NAME --pod-subnet
// 127.N.0.0/16 --state-dir D [--service-proxy]`, started by `tools/llmd cluster up`. SIGTERM stops
// its pods' processes and exits.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '@llmd/controller-kit';
import { createLogger } from '@llmd/platform';
import { KUBELET_BACKOFF } from './backoff';
import { NodeAgent } from './node-agent';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      node: { type: 'string' },
      'pod-subnet': { type: 'string' },
      'state-dir': { type: 'string' },
      'service-proxy': { type: 'boolean', default: false },
      'hosts-file': { type: 'string' },
    },
    strict: true,
  });
  const required = (flag: 'kubeconfig' | 'node' | 'pod-subnet' | 'state-dir'): string => {
    const value = values[flag];
    if (value) return value;
    process.stderr.write(`node-agent: --${flag} is required\n`);
    process.exit(2);
  };
  const stateDir = resolve(required('state-dir'));
  const logger = createLogger('node-agent', process.env.LLMD_LOG_LEVEL ?? 'info');
  const agent = new NodeAgent({
    kubeconfig: loadKubeConfig(required('kubeconfig')),
    nodeName: required('node'),
    podSubnet: required('pod-subnet'),
    stateDir,
    // dist/tools/cli/src/cluster/node-agent -> dist/
    dist: resolve(__dirname, '..', '..', '..', '..', '..'),
    serviceProxy: values['service-proxy'] === true,
    hostsFile: values['hosts-file'] ? resolve(values['hosts-file']) : join(stateDir, '..', 'hosts.json'),
    logger,
    // A harness knob (tests): the back-off's base; the shape stays the kubelet's.
    backoff: Number(process.env.LLMD_NODE_AGENT_BACKOFF_BASE_MS) > 0 ? { ...KUBELET_BACKOFF, baseMs: Number(process.env.LLMD_NODE_AGENT_BACKOFF_BASE_MS), maxMs: 30 * Number(process.env.LLMD_NODE_AGENT_BACKOFF_BASE_MS) } : undefined,
  });
  const stop = async () => {
    await agent.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  await agent.start();
}

main().catch((err: Error) => {
  process.stderr.write(`node-agent: ${err.message}\n`);
  process.exit(1);
});
