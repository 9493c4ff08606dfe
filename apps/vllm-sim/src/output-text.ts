// What the simulated model says, as the model's own tokens: English words (--output-text ascii) or
// words in many scripts and emoji (multilingual), each token carrying the text it adds when decoded
// incrementally (empty while a character split across tokens is incomplete).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MULTILINGUAL_WORDS, OUTPUT_WORDS, utf8Deltas, type TokenDelta } from '@llmd/sim-engine';
import { BUILTIN_TOKENIZERS, builtinFor, type HfModelTokenizer } from '@llmd/tokenizer';
import { SimArgsError, type SimArgs } from './sim-args';

/** The words of an output mode, each as its tokens (words whose tokens do not decode back to them are left out). */
export async function outputPhrases(tokenizer: HfModelTokenizer, mode: SimArgs['outputText']): Promise<TokenDelta[][]> {
  const words = mode === 'multilingual' ? MULTILINGUAL_WORDS : OUTPUT_WORDS;
  const phrases = await Promise.all(
    words.map(async (w) => {
      const text = ` ${w}`;
      const ids = await tokenizer.encodeRaw(text);
      const deltas = utf8Deltas(ids.map((id) => tokenizer.tokenBytes(id)));
      return deltas.join('') === text ? ids.map((id, i) => ({ id, text: deltas[i] })) : undefined;
    }),
  );
  const kept = phrases.filter((p): p is TokenDelta[] => p !== undefined);
  if (kept.length === 0) throw new SimArgsError(`--output-text ${mode}: no output word decodes back to itself with tokenizer ${tokenizer.source}`);
  return kept;
}

/**
 * The tokenizer a pod uses, as vLLM picks it: --tokenizer, else the model path when it is a model
 * directory, else (the simulator serves no weights) the built-in family its name suggests.
 */
export function tokenizerSource(args: Pick<SimArgs, 'model' | 'tokenizer'>): string {
  if (args.tokenizer) return args.tokenizer;
  if (existsSync(join(args.model, 'tokenizer.json'))) return args.model;
  const builtin = builtinFor(args.model);
  if (builtin) return builtin;
  throw new SimArgsError(`no tokenizer for model ${args.model}: pass --tokenizer <dir|builtin:family> (a model directory with tokenizer.json, or one of ${BUILTIN_TOKENIZERS.join(', ')})`);
}
