// Command line of the simulator: `serve <model> [flags]`, with vLLM's own flag names where they exist.
import { z } from 'zod';
import { kvCacheBlocks } from '@llmd/sim-engine';
import { readSimConfigFile } from './sim-config-file';
import { kvEventsConfigSchema, kvTransferConfigSchema } from './vllm-configs';

export { kvEventsConfigSchema, kvTransferConfigSchema } from './vllm-configs';

const GIB = 1024 ** 3;

function json<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

const loraModule = z.string().transform((s, ctx) => {
  const t = s.trim();
  if (t.startsWith('{')) {
    try {
      const o = JSON.parse(t) as { name?: unknown; path?: unknown };
      if (typeof o.name === 'string' && typeof o.path === 'string') return { name: o.name, path: o.path };
    } catch {
      // fall through
    }
  } else {
    const eq = t.indexOf('=');
    if (eq > 0 && eq < t.length - 1) return { name: t.slice(0, eq), path: t.slice(eq + 1) };
  }
  ctx.addIssue({ code: 'custom', message: `"${s}" must be name=path or {"name":..,"path":..}` });
  return z.NEVER;
});

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
  enablePrefixCaching: z.boolean().default(true),
  kvEventsConfig: json(kvEventsConfigSchema).optional(),
  kvTransferConfig: json(kvTransferConfigSchema).optional(),
  enableLora: z.boolean().default(false),
  loraModules: z.array(loraModule).default([]),
  maxLoras: z.coerce.number().int().positive().default(1),
  gpuProfile: z.string().min(1).default('llama-3-8b'),
  timeScale: z.coerce.number().positive().default(1),
  kvOffloadGib: z.coerce.number().nonnegative().default(0),
  kvEventsFormat: z.enum(['map', 'array']).default('map'),
  seed: z.coerce.number().int().default(0),
  /** A model directory in Hugging Face layout or builtin:<family>; default: the model's directory, else the family its name suggests. */
  tokenizer: z.string().min(1).optional(),
  /** vLLM's --max-logprobs: the most log-probabilities a request may ask for. @default 20 */
  maxLogprobs: z.coerce.number().int().min(-1).default(20),
  /** Sim only: ascii (English words) or multilingual (CJK, emoji, accented Latin from the model's vocabulary). @default ascii */
  outputText: z.enum(['ascii', 'multilingual']).default('ascii'),
  /** Sim only, a test knob: each SSE event goes out in two socket writes, cut inside a multi-byte character. @default false */
  splitWrites: z.boolean().default(false),
});

export type SimArgs = z.infer<typeof schema>;
export type KvEventsConfig = z.infer<typeof kvEventsConfigSchema>;
export type KvTransferConfig = z.infer<typeof kvTransferConfigSchema>;

type FlagSpec = { key: keyof SimArgs; kind: 'value' | 'multi' | 'true' | 'false' };

/** Flags: vLLM's names first, then the simulator's own. */
export const FLAGS: Record<string, FlagSpec> = {
  '--host': { key: 'host', kind: 'value' },
  '--port': { key: 'port', kind: 'value' },
  '--served-model-name': { key: 'servedModelName', kind: 'multi' },
  '--max-model-len': { key: 'maxModelLen', kind: 'value' },
  '--max-num-seqs': { key: 'maxNumSeqs', kind: 'value' },
  '--max-num-batched-tokens': { key: 'maxNumBatchedTokens', kind: 'value' },
  '--block-size': { key: 'blockSize', kind: 'value' },
  '--gpu-memory-utilization': { key: 'gpuMemoryUtilization', kind: 'value' },
  '--enable-prefix-caching': { key: 'enablePrefixCaching', kind: 'true' },
  '--no-enable-prefix-caching': { key: 'enablePrefixCaching', kind: 'false' },
  '--kv-events-config': { key: 'kvEventsConfig', kind: 'value' },
  '--kv-transfer-config': { key: 'kvTransferConfig', kind: 'value' },
  '--enable-lora': { key: 'enableLora', kind: 'true' },
  '--lora-modules': { key: 'loraModules', kind: 'multi' },
  '--max-loras': { key: 'maxLoras', kind: 'value' },
  '--gpu-profile': { key: 'gpuProfile', kind: 'value' },
  '--time-scale': { key: 'timeScale', kind: 'value' },
  '--kv-offload-gib': { key: 'kvOffloadGib', kind: 'value' },
  '--kv-events-format': { key: 'kvEventsFormat', kind: 'value' },
  '--seed': { key: 'seed', kind: 'value' },
  '--tokenizer': { key: 'tokenizer', kind: 'value' },
  '--max-logprobs': { key: 'maxLogprobs', kind: 'value' },
  '--output-text': { key: 'outputText', kind: 'value' },
  '--split-writes': { key: 'splitWrites', kind: 'true' },
};

export class SimArgsError extends Error {
  readonly code = 'SIM_ARGS_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SimArgsError';
  }
}

/**
 * Parses `serve [<model>] [--config file.yaml] [--flag value ...]`; throws SimArgsError naming the bad
 * flag. The model is the positional argument, else the file's `model`; flags override the file.
 */
export function parseSimArgs(argv: readonly string[]): SimArgs {
  const args = [...argv];
  if (args[0] === 'serve') args.shift();
  const positional = args[0] !== undefined && !args[0].startsWith('-') ? args.shift() : undefined;
  const raw: Record<string, unknown> = {};
  const configAt = args.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (configAt >= 0) {
    const inline = args[configAt].startsWith('--config=') ? args[configAt].slice('--config='.length) : undefined;
    const path = inline ?? args[configAt + 1];
    if (!path || path.startsWith('--')) throw new SimArgsError('--config needs a value');
    args.splice(configAt, inline !== undefined ? 1 : 2);
    let file;
    try {
      file = readSimConfigFile(path);
    } catch (err) {
      throw new SimArgsError((err as Error).message);
    }
    if (file.model) raw.model = file.model;
    for (const [flag, value] of file.flags) raw[FLAGS[flag].key] = value;
  }
  if (positional) raw.model = positional;
  if (!raw.model) throw new SimArgsError('usage: serve <model> [flags], or serve --config file.yaml with a model key');
  for (let next = args.shift(); next !== undefined; next = args.shift()) {
    let flag = next;
    let inline: string | undefined;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      inline = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    const spec = FLAGS[flag];
    if (!spec) throw new SimArgsError(`unknown flag ${flag} (known: --config ${Object.keys(FLAGS).join(' ')})`);
    if (spec.kind === 'true' || spec.kind === 'false') {
      if (inline !== undefined) throw new SimArgsError(`${flag} takes no value`);
      raw[spec.key] = spec.kind === 'true';
      continue;
    }
    const values: string[] = inline !== undefined ? [inline] : [];
    while (inline === undefined && args.length > 0 && !args[0].startsWith('--')) {
      values.push(...args.splice(0, 1));
      if (spec.kind !== 'multi') break;
    }
    if (values.length === 0) throw new SimArgsError(`${flag} needs a value`);
    raw[spec.key] = spec.kind === 'multi' ? values : values[0];
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const [key, ...rest] = issue.path;
    const flag = Object.entries(FLAGS).find(([, s]) => s.key === key)?.[0] ?? String(key);
    const field = rest.length > 0 ? ` (${rest.join('.')})` : '';
    throw new SimArgsError(`${flag}${field}: ${issue.message}`);
  }
  const a = parsed.data;
  if (a.loraModules.length > 0 && !a.enableLora) throw new SimArgsError('--lora-modules needs --enable-lora');
  return a;
}

/** KV blocks that fit in GPU memory after the weights, as vLLM sizes its pool. */
export function numGpuBlocks(args: SimArgs, weightBytes: number, kvBytesPerToken: number): number {
  const blocks = kvCacheBlocks({ weight_bytes: weightBytes, kv_bytes_per_token: kvBytesPerToken }, args.gpuMemoryUtilization, args.blockSize);
  if (blocks <= 0) throw new SimArgsError(`--gpu-memory-utilization ${args.gpuMemoryUtilization} leaves no memory for the KV cache`);
  return blocks;
}

/** CPU-tier blocks for --kv-offload-gib. */
export function numCpuBlocks(args: SimArgs, kvBytesPerToken: number): number {
  return Math.floor((args.kvOffloadGib * GIB) / (kvBytesPerToken * args.blockSize));
}
