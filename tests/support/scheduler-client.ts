// A raw Scheduler gRPC client for tests that call Pick directly.
import { credentials, Metadata, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { schedulerv1 } from '@llmd/proto';
import { PickStreamPool } from '@llmd/platform';
import pino from 'pino';

export class TestSchedulerClient {
  private readonly client: schedulerv1.SchedulerClient;
  private n = 0;

  /** `channel`: TLS credentials (grpcChannelSecurity) for a scheduler that requires them. */
  constructor(address: string, channel?: { credentials: ChannelCredentials; options?: ChannelOptions }) {
    this.client = new schedulerv1.SchedulerClient(address, channel?.credentials ?? credentials.createInsecure(), channel?.options ?? {});
  }

  pick(model: string, prompt: string, extra: Partial<schedulerv1.PickRequest> = {}): Promise<schedulerv1.PickResponse> {
    const req = schedulerv1.PickRequest.fromPartial({ requestId: `t-${process.pid}-${this.n++}`, model, prompt, ...extra });
    return new Promise((resolve, reject) => this.client.pick(req, new Metadata(), { deadline: new Date(Date.now() + 15000) }, (err, res) => (err || !res ? reject(err) : resolve(res))));
  }

  /** How many endpoints the scheduler currently sees as healthy. */
  healthyEndpoints(): Promise<number> {
    return new Promise((resolve) => this.client.listEndpoints({}, (err, res) => resolve(err || !res ? 0 : res.endpoints.filter((e) => e.healthy).length)));
  }

  /** Every endpoint the scheduler knows, with its state. */
  listEndpoints(): Promise<schedulerv1.EndpointState[]> {
    return new Promise((resolve, reject) => this.client.listEndpoints({}, (err, res) => (err || !res ? reject(err) : resolve(res.endpoints))));
  }

  /** The prompt digest spec the scheduler publishes with ListEndpoints. */
  digestSpec(): Promise<schedulerv1.PromptDigestSpec | undefined> {
    return new Promise((resolve, reject) => this.client.listEndpoints({}, (err, res) => (err || !res ? reject(err) : resolve(res.promptDigestSpec))));
  }

  complete(requestId: string): Promise<void> {
    return new Promise((resolve) => this.client.complete({ requestId, firstToken: false }, () => resolve()));
  }

  /** Complete with first_token set: the request's prefill is done; answers whether the scheduler knew it. */
  firstToken(requestId: string): Promise<boolean> {
    return new Promise((resolve, reject) => this.client.complete({ requestId, firstToken: true }, (err, res) => (err || !res ? reject(err) : resolve(res.known))));
  }

  /** The gateway's PickStream client over this connection. */
  streamPool(size = 2): PickStreamPool {
    return new PickStreamPool(this.client, size, pino({ level: 'silent' }));
  }

  close(): void {
    this.client.close();
  }
}
