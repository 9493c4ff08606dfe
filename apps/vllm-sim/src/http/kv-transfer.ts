// P/D through kv_transfer_params, as vLLM's NixlConnector: the prefill pod answers with where its
// blocks are; the decode pod pulls them (here: a real HTTP call between the two simulator processes,
// priced at the configured link bandwidth) and decodes without recomputing the prompt.
import { z } from 'zod';

export const kvTransferParamsSchema = z.looseObject({
  do_remote_decode: z.boolean().optional(),
  do_remote_prefill: z.boolean().optional(),
  remote_engine_id: z.string().nullish(),
  remote_block_ids: z.array(z.number().int()).nullish(),
  remote_host: z.string().nullish(),
  remote_port: z.number().int().nullish(),
  remote_request_id: z.string().nullish(),
  tp_size: z.number().int().optional(),
});

export type KvTransferParams = z.infer<typeof kvTransferParamsSchema>;

/** The path a decode pod pulls held KV from, on the prefill pod's HTTP port. */
export const KV_PULL_PATH = '/sim/kv/pull';

export interface PulledKv {
  tokens: number;
  blocks: number;
}

/** Pulls the KV a prefill pod holds for `params.remote_request_id`; undefined when it has none. */
export async function pullKv(params: KvTransferParams, timeoutMs = 5000): Promise<PulledKv | undefined> {
  if (!params.remote_host || !params.remote_port || !params.remote_request_id) return undefined;
  const res = await fetch(`http://${params.remote_host}:${params.remote_port}${KV_PULL_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ remote_request_id: params.remote_request_id, remote_block_ids: params.remote_block_ids ?? [], remote_engine_id: params.remote_engine_id }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.status !== 200) return undefined;
  return (await res.json()) as PulledKv;
}

/** Simulated ms to move `tokens` tokens of KV over a link of `gbps` GB/s. */
export function transferMs(tokens: number, kvBytesPerToken: number, gbps: number): number {
  return (tokens * kvBytesPerToken) / (gbps * 1e6);
}
