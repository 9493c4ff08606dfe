// A raw KvCache gRPC client for tests.
import { credentials, Metadata } from '@grpc/grpc-js';
import { cachev1 } from '@llmd/proto';

export class TestKvCacheClient {
  private readonly client: cachev1.KvCacheClient;

  constructor(address: string) {
    this.client = new cachev1.KvCacheClient(address, credentials.createInsecure());
  }

  stats(): Promise<cachev1.StatsResponse> {
    return new Promise((resolve, reject) => this.client.stats({}, new Metadata(), { deadline: new Date(Date.now() + 5000) }, (err, res) => (err || !res ? reject(err) : resolve(res))));
  }

  scoreChat(model: string, messages: { role: string; content: string }[], endpointIds: string[] = []): Promise<cachev1.ScoreResponse> {
    const req = cachev1.ScoreRequest.fromPartial({ model, input: { $case: 'chat', value: { messages } }, endpointIds });
    return new Promise((resolve, reject) => this.client.score(req, new Metadata(), { deadline: new Date(Date.now() + 5000) }, (err, res) => (err || !res ? reject(err) : resolve(res))));
  }

  close(): void {
    this.client.close();
  }
}
