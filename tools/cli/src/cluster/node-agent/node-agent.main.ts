// The node agent as a process: `node node-agent.main.js --kubeconfig F --node NAME --pod-subnet
// 127.N.0.0/16 --state-dir D [--service-proxy]`, started by `tools/llmd cluster up`. SIGTERM stops
// its pods' processes and exits.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '@llmd/controller-kit';
import { createLogger } from '@llmd/platform';
import { KUBELET_BACKOFF } from '../../backoff';
import { NodeAgent } from './node-agent';
import type { ExternalService } from './service-proxy';

/** `name:port=host:port` -> an external service. */
function parseExternal(flag: string): ExternalService {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?):(\d+)=([^:\s]+):(\d+)$/.exec(flag);
  if (!m) {
    process.stderr.write(`node-agent: --external-service ${flag}: expected name:port=host:port\n`);
    process.exit(2);
  }
  return { name: m[1], port: Number(m[3]), target: { host: m[4], port: Number(m[5]) } };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      node: { type: 'string' },
      'pod-subnet': { type: 'string' },
      'state-dir': { type: 'string' },
      'service-proxy': { type: 'boolean', default: false },
      'hosts-file': { type: 'string' },
      // name=host:port, e.g. llmd-kafka-bootstrap:9092=127.0.0.1:39092: the name (and its port) in every namespace.
      'external-service': { type: 'string', multiple: true, default: [] },
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
    externalServices: (values['external-service'] ?? []).map(parseExternal),
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
