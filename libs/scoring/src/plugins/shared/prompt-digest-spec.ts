// What a caller must compute so that the scheduler need not receive the prompt text: the chunking of
// the prefix scorers in a config (they must agree), and whether any plugin still reads the text.
import type { PromptDigestSpec } from '@llmd/prefix-hash';
import { endpointPickerConfigSchema } from '../../framework';
import { APPROX_PREFIX_CACHE_SCORER, approxPrefixParamsSchema } from '../scorer/approx-prefix-cache/approx-prefix-cache.scorer';
import { PRECISE_PREFIX_CACHE_SCORER } from '../scorer/precise-prefix-cache/precise-prefix-cache.scorer';

export interface PickPromptSpec extends PromptDigestSpec {
  /** The precise prefix index tokenizes the text itself: a caller sends it with the digest. */
  needsText: boolean;
}

/**
 * The spec a caller digests prompts with for this config; undefined when no plugin reads prompt
 * hashes, or when two prefix scorers chunk differently (then only the text serves both).
 */
export function promptDigestSpecOf(raw: unknown): PickPromptSpec | undefined {
  const parsed = endpointPickerConfigSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const prefix = parsed.data.plugins.filter((p) => p.type === APPROX_PREFIX_CACHE_SCORER || p.type === PRECISE_PREFIX_CACHE_SCORER);
  if (prefix.length === 0) return undefined;
  let spec: PromptDigestSpec | undefined;
  for (const p of prefix) {
    const { timeoutMs: _t, ...rest } = (p.parameters ?? {}) as Record<string, unknown>;
    const params = approxPrefixParamsSchema.safeParse(rest);
    if (!params.success) return undefined;
    const mine = { chunkSize: params.data.chunkSize, tokenChunkSize: params.data.tokenChunkSize, maxChunks: params.data.maxChunks };
    if (spec && (spec.chunkSize !== mine.chunkSize || spec.tokenChunkSize !== mine.tokenChunkSize || spec.maxChunks !== mine.maxChunks)) return undefined;
    spec = mine;
  }
  return spec && { ...spec, needsText: prefix.some((p) => p.type === PRECISE_PREFIX_CACHE_SCORER) };
}
