// vLLM's `--config` file: a YAML map whose keys are the flags' names without `--` (`max-num-seqs: 256`),
// the JSON configs as YAML objects. Flags on the command line override it, as in vLLM. The vllm-sim
// Helm chart renders its `config` value into this file, so the chart speaks vLLM's vocabulary.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { kvEventsConfigSchema, kvTransferConfigSchema } from './vllm-configs';

const posInt = z.number().int().positive();
const loraModule = z.union([z.string().min(1), z.strictObject({ name: z.string().min(1), path: z.string().min(1) })]);

/** The keys the file may hold, each a flag of parseSimArgs; values as the flags take them, typed. */
export const simConfigFileSchema = z.strictObject({
  model: z.string().min(1).optional().describe('The model: a Hugging Face id or a path (the positional argument of `serve`).'),
  host: z.string().min(1).optional().describe('Address to listen on. @default 127.0.0.1'),
  port: z.number().int().min(0).max(65535).optional().describe('HTTP port of the OpenAI API. @default 8000'),
  'served-model-name': z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional().describe('Names the model is served as; the first is the one /v1/models lists first.'),
  'max-model-len': posInt.optional().describe('Context length, prompt plus output. @default 32768'),
  'max-num-seqs': posInt.optional().describe('Most requests in a batch. @default 256'),
  'max-num-batched-tokens': posInt.optional().describe('Most tokens a step schedules. @default 8192'),
  'block-size': z.union([z.literal(1), z.literal(8), z.literal(16), z.literal(32), z.literal(64), z.literal(128)]).optional().describe('Tokens per KV block. @default 16'),
  'gpu-memory-utilization': z.number().gt(0).max(1).optional().describe('Share of GPU memory for weights and KV cache. @default 0.9'),
  'enable-prefix-caching': z.boolean().optional().describe('Automatic prefix caching. @default true'),
  'kv-events-config': kvEventsConfigSchema.optional().describe("vLLM's KVEventsConfig: publish KV-cache events over ZMQ (llmd's cache-manager subscribes)."),
  'kv-transfer-config': kvTransferConfigSchema.optional().describe("vLLM's KVTransferConfig (NixlConnector) for prefill/decode disaggregation."),
  'enable-lora': z.boolean().optional().describe('Serve LoRA adapters. @default false'),
  'lora-modules': z.array(loraModule).optional().describe('Adapters: `name=path` or `{name, path}`.'),
  'max-loras': posInt.optional().describe('Adapters in a batch at once. @default 1'),
  'gpu-profile': z.string().min(1).optional().describe('Simulator: the measured GPU cost table it times steps from. @default llama-3-8b'),
  'time-scale': z.number().positive().optional().describe('Simulator: multiplies every simulated duration (below 1 runs faster than the GPU). @default 1'),
  'kv-offload-gib': z.number().nonnegative().optional().describe('Simulator: CPU-tier KV capacity, GiB. @default 0'),
  'kv-events-format': z.enum(['map', 'array']).optional().describe("Simulator: KV events' msgpack layout. @default map"),
  seed: z.number().int().optional().describe('Seed of the generated text. @default 0'),
  tokenizer: z.string().min(1).optional().describe('A model directory in Hugging Face layout, or builtin:<family>. @default the model\'s directory, else the family its name suggests'),
  'max-logprobs': z.number().int().min(-1).optional().describe('Most log-probabilities a request may ask for. @default 20'),
  'output-text': z.enum(['ascii', 'multilingual']).optional().describe('Simulator: the generated text\'s alphabet. @default ascii'),
  'split-writes': z.boolean().optional().describe('Simulator, a test knob: each SSE event in two socket writes. @default false'),
});

export type SimConfigFile = z.infer<typeof simConfigFileSchema>;

/** A flag and its value as parseSimArgs takes them: a string, several strings, or a boolean switch. */
export type FlagValue = string | string[] | boolean;

export class SimConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimConfigFileError';
  }
}

/** The file's settings as `--flag` -> value; throws SimConfigFileError naming the file and the key. */
export function readSimConfigFile(path: string): { model?: string; flags: [string, FlagValue][] } {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8')) ?? {};
  } catch (err) {
    throw new SimConfigFileError(`--config ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = simConfigFileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    throw new SimConfigFileError(`--config ${path}: ${key ? `${key}: ` : ''}${issue.message}`);
  }
  const { model, ...rest } = parsed.data;
  const flags: [string, FlagValue][] = [];
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    if (typeof value === 'boolean') flags.push([`--${key}`, value]);
    else if (Array.isArray(value)) flags.push([`--${key}`, value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))]);
    else if (typeof value === 'object') flags.push([`--${key}`, JSON.stringify(value)]);
    else flags.push([`--${key}`, key === 'served-model-name' ? [String(value)] : String(value)]);
  }
  return { model, flags };
}
