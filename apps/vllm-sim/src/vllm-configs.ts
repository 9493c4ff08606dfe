// vLLM's JSON config objects the simulator takes (--kv-events-config, --kv-transfer-config), with
// vLLM's field names and defaults.
import { z } from 'zod';

/** vLLM's KVEventsConfig. */
export const kvEventsConfigSchema = z.strictObject({
  enable_kv_cache_events: z.boolean().default(false),
  publisher: z.enum(['null', 'zmq']).default('zmq'),
  endpoint: z.string().regex(/^(tcp|ipc|inproc):\/\//, 'must be a ZMQ endpoint like tcp://*:5557').default('tcp://*:5557'),
  replay_endpoint: z.string().regex(/^(tcp|ipc|inproc):\/\//, 'must be a ZMQ endpoint').nullish(),
  buffer_steps: z.number().int().positive().default(10000),
  hwm: z.number().int().nonnegative().default(100000),
  max_queue_size: z.number().int().positive().default(100000),
  topic: z.string().default(''),
});

/** vLLM's KVTransferConfig, for the NixlConnector P/D protocol. */
export const kvTransferConfigSchema = z.strictObject({
  kv_connector: z.literal('NixlConnector'),
  kv_role: z.enum(['kv_producer', 'kv_consumer', 'kv_both']),
  engine_id: z.string().min(1).optional(),
  kv_ip: z.string().optional(),
  kv_port: z.number().int().optional(),
  kv_buffer_device: z.string().optional(),
  kv_rank: z.number().int().optional(),
  kv_parallel_size: z.number().int().optional(),
  kv_connector_extra_config: z
    .looseObject({
      /** Sim only: bandwidth of the link KV blocks cross between pods, GB/s. @default 25 */
      link_gbps: z.number().positive().optional(),
      /** Sim only: seconds a prefill pod holds blocks no decode pod fetched. @default 120 */
      abort_timeout_s: z.number().positive().optional(),
    })
    .optional(),
});
