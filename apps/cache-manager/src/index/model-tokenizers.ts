// Which tokenizer each model's prompts are tokenized with, as its pods tokenize them: a source named
// for the model in config, else `<root>/<model>` when that is a Hugging Face model directory (a
// mounted volume, as llm-d's /model-cache), else a built-in one guessed from the model's name. A model
// with none is said once, counted, and its Score requests answered "no tokenizer" (the scheduler then
// scores them approximately): zeros would look like a cold cache and route as if by load alone.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PromptTokenizer } from '@llmd/kv-index';

export interface ModelTokenizersOptions {
  /** model -> a Hugging Face model directory or `builtin:<family>`. */
  tokenizers: Record<string, string>;
  /** Directory of per-model directories (`<root>/<model>/tokenizer.json`); none to skip. */
  tokenizerRoot?: string;
  /** Guess a built-in tokenizer from the model's name when nothing else names one. */
  builtinTokenizers: boolean;
}

export interface TokenizerLoader {
  load(source: string): PromptTokenizer;
  /** The built-in source for a model name (`builtin:<family>`), if its family is known. */
  builtinFor(model: string): string | undefined;
}

export type TokenizerResolution = { model: string; source: string; tokenizer: PromptTokenizer } | { model: string; reason: string };

export class ModelTokenizers {
  private readonly resolved = new Map<string, TokenizerResolution>();

  constructor(
    private readonly options: ModelTokenizersOptions,
    private readonly loader: TokenizerLoader,
    /** Called once per model, when its tokenizer is first resolved (to log it and count the missing). */
    private readonly onResolved: (r: TokenizerResolution) => void = () => undefined,
    private readonly isModelDir: (dir: string) => boolean = (dir) => existsSync(join(dir, 'tokenizer.json')),
  ) {}

  /** The source that would be loaded for `model`, and where it came from. */
  sourceFor(model: string): { source: string; from: 'config' | 'root' | 'builtin' } | undefined {
    const named = this.options.tokenizers[model];
    if (named) return { source: named, from: 'config' };
    if (this.options.tokenizerRoot) {
      const dir = join(this.options.tokenizerRoot, model);
      if (this.isModelDir(dir)) return { source: dir, from: 'root' };
    }
    const builtin = this.options.builtinTokenizers ? this.loader.builtinFor(model) : undefined;
    return builtin ? { source: builtin, from: 'builtin' } : undefined;
  }

  /** Resolves (and loads) the tokenizers of the models known at start, so a missing one is said at start. */
  preload(models: Iterable<string>): TokenizerResolution[] {
    return [...new Set(models)].map((m) => this.resolve(m));
  }

  /** `model`'s tokenizer, or undefined when it has none (resolved once; a failed load is not retried). */
  get(model: string): PromptTokenizer | undefined {
    const r = this.resolve(model);
    return 'tokenizer' in r ? r.tokenizer : undefined;
  }

  private resolve(model: string): TokenizerResolution {
    let r = this.resolved.get(model);
    if (r) return r;
    const found = this.sourceFor(model);
    if (!found) r = { model, reason: `no tokenizer named for it in tokenizers, none under ${this.options.tokenizerRoot ?? '(no tokenizerRoot)'}, and no built-in one for its name` };
    else {
      try {
        r = { model, source: found.source, tokenizer: this.loader.load(found.source) };
      } catch (err) {
        r = { model, reason: `tokenizer ${found.source} (from ${found.from}) failed to load: ${(err as Error).message}` };
      }
    }
    this.resolved.set(model, r);
    this.onResolved(r);
    return r;
  }
}
