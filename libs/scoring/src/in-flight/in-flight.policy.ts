// In-flight accounting, shared by the scheduler (InFlightTracker) and the routing simulator: what a
// picked request adds to each endpoint's load, and when it leaves. The scheduler hears of a request's
// end only through Complete (or its lease running out), so every charge leaves then, the prefill
// pod's included: the simulator must count the same, or it measures a scheduler that does not ship.
// The one exception is the prefill part of a charge, which leaves at the request's first token (the
// caller reports it, or Complete does), since from then on the pod is decoding it, not prefilling.
import type { PromptDigest } from '@llmd/prefix-hash';
import type { Endpoint } from '../framework';
import { estimateTokens } from '../plugins/shared/normalize';

/** Characters per token when a request carries text, not token ids (no tokenizer on the hot path). */
export const IN_FLIGHT_CHARS_PER_TOKEN = 4;

/** What an endpoint carries for one request until it leaves. */
export interface InFlightCharge {
  endpointId: string;
  requests: number;
  /** Tokens it will hold in KV: the prompt it computes or receives, and what it may generate. */
  tokens: number;
  /** Prompt tokens it computes before the request's first token (0 on a P/D decode pod, which receives the KV). */
  prefillTokens: number;
}

/** An endpoint's in-flight load, as the framework's Endpoint carries it. */
export type InFlightLoad = Required<Pick<Endpoint, 'inFlight' | 'inFlightTokens' | 'inFlightPrefillTokens'>>;

/** No load: an endpoint nothing was charged to. */
export const NO_IN_FLIGHT_LOAD: Readonly<InFlightLoad> = Object.freeze({ inFlight: 0, inFlightTokens: 0, inFlightPrefillTokens: 0 });

/** What a pick charges for: prompt tokens (counted, or estimated from text), max completion, and whether its first token will be reported. */
export interface InFlightSize {
  promptTokens: number;
  maxTokens: number;
  /** Only then is the prompt charged as prefill work (a charge nobody ends early would count a decoding request as prefilling). */
  reportsFirstToken?: boolean;
}

/** The request's size as the accounting sees it. */
export function inFlightSize(request: { prompt: string; promptTokenIds?: readonly number[]; digest?: PromptDigest; maxTokens?: number; reportsFirstToken?: boolean }): InFlightSize {
  return { promptTokens: estimateTokens(request, IN_FLIGHT_CHARS_PER_TOKEN), maxTokens: request.maxTokens ?? 0, reportsFirstToken: request.reportsFirstToken === true };
}

/**
 * The charges of one pick. A unified (or same-pod P/D) pick: the target computes the prompt and
 * generates. Disaggregated: the prefill pod computes the prompt and one token (vLLM's P/D prefill
 * runs with max_tokens 1); the decode pod receives the prompt's KV and generates. The pod that
 * computes the prompt carries it as prefill work until the first token, when the caller reports it.
 */
export function inFlightCharges(size: InFlightSize, pick: { target: string; prefill?: string }): InFlightCharge[] {
  const unified = !pick.prefill || pick.prefill === pick.target;
  const prefill = size.reportsFirstToken ? size.promptTokens : 0;
  const decode: InFlightCharge = { endpointId: pick.target, requests: 1, tokens: size.promptTokens + size.maxTokens, prefillTokens: unified ? prefill : 0 };
  if (unified) return [decode];
  return [decode, { endpointId: pick.prefill as string, requests: 1, tokens: size.promptTokens + 1, prefillTokens: prefill }];
}

/** An endpoint's load with a charge added (`sign` 1) or taken off (-1); never below zero. */
export function applyCharge(load: InFlightLoad, charge: InFlightCharge, sign: 1 | -1): InFlightLoad {
  return {
    inFlight: Math.max(0, load.inFlight + sign * charge.requests),
    inFlightTokens: Math.max(0, load.inFlightTokens + sign * charge.tokens),
    inFlightPrefillTokens: Math.max(0, load.inFlightPrefillTokens + sign * charge.prefillTokens),
  };
}
