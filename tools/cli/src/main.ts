// The llmd CLI: `llmd up` (the local stack), `llmd kafka ...` (the local broker and topics), `llmd sim
// ...` (a simulated pod), `llmd bench ...` (the benchmarks), `llmd images` (the services' container
// images), `llmd cluster ...` (a local Kubernetes control plane and node agents), `llmd soak` (the
// stack under load and chaos). Every command answers --help from its declaration and refuses an
// unknown or malformed flag before it starts anything.
import { formatUsageError, UsageError } from './args';
import { benchGroup } from './commands/bench.command';
import { CliGroup, command, dispatch } from './commands/cli-command';
import { clusterGroup } from './commands/cluster.command';
import { images, imagesCommand } from './commands/images.command';
import { kafkaGroup } from './commands/kafka.command';
import { simGroup } from './commands/sim.command';
import { soakNode } from './commands/soak.command';
import { up, upCommand } from './commands/up.command';
import { BrokerOwnedError } from './kafka/broker-owned.error';

const root: CliGroup = {
  kind: 'group',
  name: 'llmd',
  summary: 'llmd: a cache-aware, disaggregation-aware serving layer for vLLM, and its local stack',
  childNoun: 'command',
  bareExitCode: 0,
  children: { up: () => command(upCommand, up), kafka: () => kafkaGroup, sim: () => simGroup, bench: () => benchGroup, images: () => command(imagesCommand, images), cluster: () => clusterGroup, soak: soakNode },
};

dispatch(root, process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
  (code) => {
    // A negative code: the command keeps running (a stack, a broker) until a signal stops it.
    if (code >= 0) process.exit(code);
  },
  (err: Error) => {
    if (err instanceof UsageError) {
      process.stderr.write(formatUsageError(err));
      process.exit(2);
    }
    process.stderr.write(`llmd: ${err.message}\n`);
    process.exit(err instanceof BrokerOwnedError ? 3 : 1);
  },
);
