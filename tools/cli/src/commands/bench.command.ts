// `llmd bench <benchmark>`: each benchmark declares its own command line (an exported `command`) in its
// module; the CLI reads that declaration from the build to answer --help and refuse a bad command line
// before it starts the benchmark's process. (Read at run time: the bench tool depends on this CLI, so a
// compile-time import back would be a cycle.)
import { join } from 'node:path';
import { CommandSpec } from '../args';
import { DIST } from '../paths';
import { nodeFlagsFor } from '../stack/node-flags';
import { CliGroup, CliNode, command } from './cli-command';
import { runNode } from './run-node';

interface Bench {
  file: string;
  /** Node flags for its process. */
  flags?: string[];
}

// The pick and gateway benches are the scheduler's and the pods' client: they run as the gateway
// does. A cluster-scale routing run (512 pods) may hold several GB: its heap may grow to 20 GB, and a
// 64 MB young generation lets most of a simulated step's garbage die before a scavenge (12% faster at
// 512 pods than V8's default 16 MB).
const BENCHES: Record<string, Bench> = {
  'sim-fidelity': { file: 'sim-fidelity.js' },
  'throughput-ceiling': { file: 'throughput-ceiling.js' },
  'sim-capacity': { file: 'sim-capacity.js' },
  pick: { file: 'pick.js', flags: nodeFlagsFor('gateway') },
  'kv-index': { file: 'kv-index.js' },
  gateway: { file: 'gateway.js', flags: nodeFlagsFor('gateway') },
  routing: { file: 'routing/main.js', flags: ['--enable-source-maps', '--max-old-space-size=20480', '--max-semi-space-size=64'] },
  autoscale: { file: 'autoscale/main.js', flags: ['--enable-source-maps', '--max-old-space-size=8192', '--max-semi-space-size=64'] },
};

function benchNode(bench: Bench): CliNode {
  const entry = join(DIST, 'tools/bench/src', bench.file);
  const spec = (require(entry) as { command?: CommandSpec }).command;
  if (!spec) throw new Error(`${entry} declares no command line (an exported \`command\`): rebuild with node tools/build.mjs`);
  // The benchmark parses the same declaration again; parsed here first, a refused command line starts nothing.
  return command(spec, (_parsed, argv) => runNode(entry, argv, bench.flags));
}

export const benchGroup: CliGroup = {
  kind: 'group',
  name: 'llmd bench',
  summary: 'benchmarks of the simulator, the scheduler, the KV index, the gateway, the routing study and the autoscaling study',
  childNoun: 'benchmark',
  children: Object.fromEntries(Object.entries(BENCHES).map(([name, bench]) => [name, () => benchNode(bench)])),
};
