// `llmd sim serve <model> [vLLM flags]`: one vllm-sim pod in the foreground, in the local registry while it serves.
import { join } from 'node:path';
import { defineCommand } from '../args';
import { DIST } from '../paths';
import { registerSim } from '../stack/local-registry';
import { command, CliGroup } from './cli-command';
import { runNode } from './run-node';

const serve = command(
  defineCommand({
    name: 'llmd sim serve',
    summary: 'one vllm-sim pod in the foreground, announced to the local stack while it serves',
    positionals: [{ name: 'model', description: 'the model it serves (e.g. meta-llama/Llama-3.1-8B-Instruct)' }],
    flags: {},
    passThrough: [
      'Flags after <model> are vllm-sim\'s, with vLLM\'s names where vLLM has them; vllm-sim refuses any other',
      'before it starts: --port N (8000), --host, --served-model-name NAME..., --max-model-len, --max-num-seqs,',
      '--max-num-batched-tokens, --block-size, --gpu-memory-utilization, --[no-]enable-prefix-caching,',
      '--kv-events-config JSON, --kv-transfer-config JSON, --enable-lora, --lora-modules name=path...,',
      '--max-loras, and its own --gpu-profile, --time-scale, --kv-offload-gib, --kv-events-format, --seed.',
    ].join('\n'),
  }),
  async ({ positionals, rest }) => {
    const args = ['serve', positionals.model ?? '', ...rest];
    let unregister = () => undefined as void;
    const port = portOf(rest);
    // Announced only once it answers: a pod that refuses its flags (or fails to start) is never routed to.
    const code = await runNode(join(DIST, 'apps/vllm-sim/src/main.js'), args, undefined, (child) => {
      void (async () => {
        while (child.exitCode === null && child.signalCode === null) {
          const ok = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
          if (ok && child.exitCode === null) {
            unregister = registerSim(args);
            return;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
    });
    unregister();
    return code;
  },
);

function portOf(args: string[]): number {
  const i = args.findIndex((a) => a === '--port' || a.startsWith('--port='));
  const value = i < 0 ? '8000' : args[i].includes('=') ? args[i].slice(7) : args[i + 1];
  return Number(value);
}

export const simGroup: CliGroup = { kind: 'group', name: 'llmd sim', summary: 'simulated vLLM pods', childNoun: 'command', children: { serve: () => serve } };
