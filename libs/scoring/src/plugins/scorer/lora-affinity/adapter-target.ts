// What a request's `model` names, as the pods serve it: a base model, or a LoRA adapter (vLLM's
// --lora-modules name) of a base model. The precise prefix index needs both: the base model's
// tokenizer and block size, and the adapter's name, which is part of every block key of its prompts.
import type { Endpoint } from '../../../framework';

export interface AdapterTarget {
  /** The base model whose pods, tokenizer and block size serve the request. */
  model: string;
  /** The LoRA adapter's name when the request names one (vLLM keys its blocks by it). */
  lora?: string;
}

/**
 * A base model named by any endpoint is a base model, whatever else lists it; a name only endpoints'
 * adapters carry is an adapter of the first such endpoint's (first) base model. Unknown names are
 * taken as base models (the serves-model filter refuses them anyway).
 */
export function adapterTarget(model: string, endpoints: readonly Pick<Endpoint, 'models' | 'loraAdapters'>[]): AdapterTarget {
  let base: string | undefined;
  for (const e of endpoints) {
    if (e.models.includes(model)) return { model };
    if (base === undefined && e.models.length > 0 && e.loraAdapters.includes(model)) base = e.models[0];
  }
  return base === undefined ? { model } : { model: base, lora: model };
}
