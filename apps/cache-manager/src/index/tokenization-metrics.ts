// cache-manager's tokenization, wired: each model's tokenizer resolved (the known models' at start, so
// a missing one is said at once), the per-prompt cache, and their metrics.
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from '@llmd/platform';
import type { CacheManagerConfig } from '../config';
import { ModelTokenizers } from './model-tokenizers';
import { PromptTokenizer, TokenizationCache } from '@llmd/kv-index';
import { tokenizerLoader } from './tokenizer-loader';

export function createTokenization(config: CacheManagerConfig, registry: Registry, logger: Logger): { tokenizers: { get(model: string): PromptTokenizer | undefined }; cache: TokenizationCache } {
  const registers = [registry];
  const info = new Gauge({ name: 'llmd_cache_manager_tokenizer_info', help: 'Tokenizer of each model cache-manager has been asked about (source "none": its text prompts are scored approximately by the scheduler)', labelNames: ['model', 'source'], registers });
  const missing = new Counter({ name: 'llmd_cache_manager_untokenized_requests_total', help: 'Score and Speculate requests with text for a model that has no tokenizer (answered FAILED_PRECONDITION)', labelNames: ['model'], registers });
  const lookups = new Counter({ name: 'llmd_cache_manager_tokenization_cache_total', help: 'Text prompts whose token ids were already known (hit) or had to be tokenized (miss)', labelNames: ['result'], registers });
  const seconds = new Histogram({ name: 'llmd_cache_manager_tokenize_seconds', help: 'Time to tokenize one prompt, queueing for a tokenizer slot included', buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25], registers });
  const tokens = new Counter({ name: 'llmd_cache_manager_tokenized_tokens_total', help: 'Tokens produced by tokenizing prompts (cache misses only)', registers });
  const models = new ModelTokenizers(config, tokenizerLoader, (r) => {
    if ('tokenizer' in r) {
      info.set({ model: r.model, source: r.source }, 1);
      logger.info({ model: r.model, tokenizer: r.source }, 'tokenizer loaded');
    } else {
      info.set({ model: r.model, source: 'none' }, 1);
      logger.warn({ model: r.model, reason: r.reason }, 'model has no tokenizer: its text prompts get no precise score, the scheduler scores them approximately');
    }
  });
  const known = [...config.pods.flatMap((p) => p.models ?? []), ...(config.kubernetes?.models ?? []), ...Object.keys(config.tokenizers)];
  models.preload(known);
  const cache = new TokenizationCache(
    { maxEntries: config.tokenizationCacheEntries, concurrency: config.tokenizeConcurrency },
    {
      hit: () => lookups.inc({ result: 'hit' }),
      tokenized: (n, ms) => {
        lookups.inc({ result: 'miss' });
        tokens.inc(n);
        seconds.observe(ms / 1000);
      },
    },
  );
  return {
    tokenizers: {
      get(model) {
        const t = models.get(model);
        if (!t) missing.inc({ model });
        return t;
      },
    },
    cache,
  };
}
