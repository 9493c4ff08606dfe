// Command line of the simulator: `serve <model> [flags]`, with vLLM's own flag names where they exist.
import { z } from 'zod';

const GIB = 1024 ** 3;
const GPU_MEMORY_BYTES = 80 * GIB;

const schema = z.object({
  model: z.string().min(1),
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8000),
  servedModelName: z.array(z.string().min(1)).min(1).optional(),
  maxModelLen: z.coerce.number().int().positive().default(32768),
  maxNumSeqs: z.coerce.number().int().positive().default(256),
  maxNumBatchedTokens: z.coerce.number().int().positive().default(8192),
  blockSize: z.coerce.number().int().refine((v) => [1, 8, 16, 32, 64, 128].includes(v), 'must be one of 1, 8, 16, 32, 64, 128').default(16),
  gpuMemoryUtilization: z.coerce.number().gt(0).max(1).default(0.9),
  gpuProfile: z.string().min(1).default('llama-3-8b'),
  timeScale: z.coerce.number().positive().default(1),
  seed: z.coerce.number().int().default(0),
});

export type SimArgs = z.infer<typeof schema>;

/** Flags and whether they take several values. */
const FLAGS: Record<string, { key: keyof SimArgs; multi?: boolean }> = {
  '--host': { key: 'host' },
  '--port': { key: 'port' },
  '--served-model-name': { key: 'servedModelName', multi: true },
  '--max-model-len': { key: 'maxModelLen' },
  '--max-num-seqs': { key: 'maxNumSeqs' },
  '--max-num-batched-tokens': { key: 'maxNumBatchedTokens' },
  '--block-size': { key: 'blockSize' },
  '--gpu-memory-utilization': { key: 'gpuMemoryUtilization' },
  '--gpu-profile': { key: 'gpuProfile' },
  '--time-scale': { key: 'timeScale' },
  '--seed': { key: 'seed' },
};

export class SimArgsError extends Error {
  readonly code = 'SIM_ARGS_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SimArgsError';
  }
}

/** Parses `serve <model> [--flag value ...]`; throws SimArgsError naming the bad flag. */
export function parseSimArgs(argv: readonly string[]): SimArgs {
  const args = [...argv];
  if (args[0] === 'serve') args.shift();
  const model = args.shift();
  if (!model || model.startsWith('-')) throw new SimArgsError('usage: serve <model> [flags]');
  const raw: Record<string, unknown> = { model };
  for (let next = args.shift(); next !== undefined; next = args.shift()) {
    let flag = next;
    let inline: string | undefined;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      inline = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    const spec = FLAGS[flag];
    if (!spec) throw new SimArgsError(`unknown flag ${flag} (known: ${Object.keys(FLAGS).join(' ')})`);
    const values: string[] = inline !== undefined ? [inline] : [];
    while (inline === undefined && args.length > 0 && !args[0].startsWith('--')) {
      values.push(...args.splice(0, 1));
      if (!spec.multi) break;
    }
    if (values.length === 0) throw new SimArgsError(`${flag} needs a value`);
    raw[spec.key] = spec.multi ? values : values[0];
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path[0];
    const flag = Object.entries(FLAGS).find(([, s]) => s.key === key)?.[0] ?? String(key);
    throw new SimArgsError(`${flag}: ${issue.message}`);
  }
  return parsed.data;
}

/** KV blocks that fit in GPU memory after the weights, as vLLM sizes its pool. */
export function numGpuBlocks(args: SimArgs, weightBytes: number, kvBytesPerToken: number): number {
  const free = GPU_MEMORY_BYTES * args.gpuMemoryUtilization - weightBytes;
  const blocks = Math.floor(free / (kvBytesPerToken * args.blockSize));
  if (blocks <= 0) throw new SimArgsError(`--gpu-memory-utilization ${args.gpuMemoryUtilization} leaves no memory for the KV cache`);
  return blocks;
}
