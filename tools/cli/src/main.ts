// The llmd CLI: `llmd up` (the local stack), `llmd kafka ...` (the local broker and topics), `llmd sim ...`.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { kafkaCommand } from './commands/kafka.command';
import { nodeFlagsFor } from './stack/node-flags';
import { up } from './commands/up.command';
import { DIST } from './paths';
import { registerSim } from './stack/local-registry';

const USAGE = `usage: llmd <command>
  up [--pods N] [--model NAME] [--gpu-profile P] [--time-scale S]   Kafka, the five services and N vllm-sim pods (Ctrl-C stops all)
  kafka start|stop|status|topics|tail <topic>                        the local Kafka broker and llmd's topics
  sim serve <model> [vLLM flags]                                     one vllm-sim pod in the foreground
  bench sim-fidelity                                                 the simulator's step times against the GPU tables (virtual clock)
  bench throughput-ceiling                                           the most output throughput any router can win on the GPU tables (shared-prefix study)
  bench sim-capacity [--ladder 64,256,512] [--seconds 5]             concurrent streams one vllm-sim process sustains at time scale 1
  bench pick [--iterations N] [--in-process-only | --grpc-only]      Pick latency and throughput, in-process and over gRPC
             [--transport stream|unary] [--profile P] [--endpoints N] [--tokens N]   (one shape only)
  bench kv-index                                                     the KV-block index: ingest rate, Score latency, memory, accuracy
  bench gateway [--pods 2] [--time-scale 0.05] [--seconds 4]         llmd's gateway against vllm-router and sglang-router (PyPI) on the same pods
  bench routing [--workload shared-prefix] [--pods 8] [--profiles ...] [--rates ...]
                [--count N] [--groups N] [--prompts-per-group N] [--mode des|live] [--out DIR]
                                                                     the routing study in the cluster-scale simulator (JSON, table, SVG charts)`;

const BENCHES: Record<string, string> = { 'sim-fidelity': 'sim-fidelity.js', 'throughput-ceiling': 'throughput-ceiling.js', 'sim-capacity': 'sim-capacity.js', pick: 'pick.js', 'kv-index': 'kv-index.js', gateway: 'gateway.js', routing: 'routing/main.js' };

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      const pods = Number(option(rest, '--pods', '4'));
      const timeScale = Number(option(rest, '--time-scale', '1'));
      if (!Number.isInteger(pods) || pods < 1 || pods > 64) throw new Error('--pods must be an integer from 1 to 64');
      if (!(timeScale > 0)) throw new Error('--time-scale must be a positive number');
      await up({ pods, timeScale, model: option(rest, '--model', 'meta-llama/Llama-3.1-8B-Instruct'), gpuProfile: option(rest, '--gpu-profile', 'llama-3-8b') });
      return -1; // keeps running until Ctrl-C
    }
    case 'kafka':
      return kafkaCommand(rest);
    case 'sim': {
      // The pod announces itself in the local registry while it runs (the local stack's scheduler watches it).
      const unregister = registerSim(rest);
      try {
        return await runNode(join(DIST, 'apps/vllm-sim/src/main.js'), rest);
      } finally {
        unregister();
      }
    }
    case 'bench': {
      const [name, ...args] = rest;
      if (!name || !BENCHES[name]) {
        process.stdout.write(`usage: llmd bench ${Object.keys(BENCHES).join('|')} [options]\n`);
        return 2;
      }
      // The pick and gateway benches are the scheduler's and the pods' client: they run as the gateway
      // does. A cluster-scale routing run (512 pods) may hold several GB: its heap may grow to 20 GB, and
      // a 64 MB young generation lets most of a simulated step's garbage die before a scavenge (12%
      // faster at 512 pods than V8's default 16 MB).
      const flags = name === 'pick' || name === 'gateway' ? nodeFlagsFor('gateway') : name === 'routing' ? ['--enable-source-maps', '--max-old-space-size=20480', '--max-semi-space-size=64'] : undefined;
      return runNode(join(DIST, 'tools/bench/src', BENCHES[name]), args, flags);
    }
    default:
      process.stdout.write(`${USAGE}\n`);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

/** Runs a built entry point in the foreground, passing Ctrl-C on. */
function runNode(entry: string, args: string[], flags = ['--enable-source-maps']): Promise<number> {
  const child = spawn(process.execPath, [...flags, entry, ...args], { stdio: 'inherit' });
  process.on('SIGINT', () => child.kill('SIGINT'));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: Error) => {
    process.stderr.write(`llmd: ${err.message}\n`);
    process.exit(1);
  },
);
