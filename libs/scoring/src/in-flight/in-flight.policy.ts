// In-flight accounting, shared by the scheduler (InFlightTracker) and the routing simulator: what a
// picked request adds to each endpoint's load, and when it leaves. The scheduler hears of a request's
// end only through Complete (or its lease running out), so every charge leaves then, the prefill
// pod's included: the simulator must count the same, or it measures a scheduler that does not ship.
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
}

/** An endpoint's in-flight load, as the framework's Endpoint carries it. */
export type InFlightLoad = Required<Pick<Endpoint, 'inFlight' | 'inFlightTokens'>>;

/** The request's size as the accounting sees it: prompt tokens (counted, or estimated from text) and max completion. */
export function inFlightSize(request: { prompt: string; promptTokenIds?: readonly number[]; digest?: PromptDigest; maxTokens?: number }): { promptTokens: number; maxTokens: number } {
  return { promptTokens: estimateTokens(request, IN_FLIGHT_CHARS_PER_TOKEN), maxTokens: request.maxTokens ?? 0 };
}

/**
 * The charges of one pick. A unified (or same-pod P/D) pick: the target computes the prompt and
 * generates. Disaggregated: the prefill pod computes the prompt and one token (vLLM's P/D prefill
 * runs with max_tokens 1); the decode pod receives the prompt's KV and generates.
 */
export function inFlightCharges(size: { promptTokens: number; maxTokens: number }, pick: { target: string; prefill?: string }): InFlightCharge[] {
  const decode: InFlightCharge = { endpointId: pick.target, requests: 1, tokens: size.promptTokens + size.maxTokens };
  if (!pick.prefill || pick.prefill === pick.target) return [decode];
  return [decode, { endpointId: pick.prefill, requests: 1, tokens: size.promptTokens + 1 }];
}

/** An endpoint's load with a charge added (`sign` 1) or taken off (-1); never below zero. */
export function applyCharge(load: InFlightLoad, charge: InFlightCharge, sign: 1 | -1): InFlightLoad {
  return { inFlight: Math.max(0, load.inFlight + sign * charge.requests), inFlightTokens: Math.max(0, load.inFlightTokens + sign * charge.tokens) };
}
