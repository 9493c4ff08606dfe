// Publishes KV event batches as vLLM's ZmqEventPublisher does: a PUB socket sending
// (topic, 8-byte big-endian sequence, msgpack batch), and a ROUTER replay socket that answers a start
// sequence with every buffered batch from there and then the end marker (sequence -1, empty payload).
import { Publisher, Router } from 'zeromq';
import type { Logger } from 'pino';
import type { SimKvEvent } from '@llmd/sim-engine';
import type { KvEventsConfig } from '../sim-args';
import { encodeEventBatch, KvEventsFormat } from './event-batch-codec';

const END_SEQ = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

function seqBytes(seq: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(seq));
  return b;
}

export class ZmqEventPublisher {
  private readonly pub = new Publisher();
  private readonly replay: Router | undefined;
  private readonly buffer: { seq: number; payload: Uint8Array }[] = [];
  private readonly topic: Buffer;
  private seq = 0;
  private sending: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly config: KvEventsConfig,
    topic: string,
    private readonly format: KvEventsFormat,
    private readonly logger: Logger,
  ) {
    this.topic = Buffer.from(topic, 'utf8');
    this.pub.sendHighWaterMark = config.hwm;
    if (config.replay_endpoint) this.replay = new Router();
  }

  async start(): Promise<void> {
    await this.pub.bind(this.config.endpoint);
    if (this.replay && this.config.replay_endpoint) {
      await this.replay.bind(this.config.replay_endpoint);
      void this.serveReplay(this.replay);
    }
    this.logger.info({ endpoint: this.config.endpoint, replay: this.config.replay_endpoint, topic: this.topic.toString(), format: this.format }, 'KV events publisher bound');
  }

  /** Queues one batch; batches go out in order, one sequence number each. */
  publish(events: readonly SimKvEvent[], dataParallelRank = 0): void {
    if (this.closed || events.length === 0) return;
    const seq = this.seq++;
    const payload = encodeEventBatch(Date.now() / 1000, events, dataParallelRank, this.format);
    this.buffer.push({ seq, payload });
    if (this.buffer.length > this.config.buffer_steps) this.buffer.shift();
    this.sending = this.sending
      .then(() => this.pub.send([this.topic, seqBytes(seq), payload]))
      .catch((err: Error) => this.logger.warn({ err: err.message, seq }, 'KV event batch not sent'));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.sending;
    this.pub.close();
    this.replay?.close();
  }

  private async serveReplay(router: Router): Promise<void> {
    try {
      for await (const frames of router) {
        if (frames.length !== 3 || frames[2].length !== 8) {
          this.logger.warn({ frames: frames.length }, 'invalid replay request');
          continue;
        }
        const [client, , start] = frames;
        const from = Number(start.readBigUInt64BE());
        for (const b of this.buffer) if (b.seq >= from) await router.send([client, '', seqBytes(b.seq), b.payload]);
        await router.send([client, '', END_SEQ, '']);
      }
    } catch (err) {
      if (!this.closed) this.logger.warn({ err: (err as Error).message }, 'replay socket stopped');
    }
  }
}
