// A gRPC server (grpc-js) hosting one or more generated service implementations.
import { Server, ServerCredentials, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';

export interface GrpcServiceBinding {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export class GrpcServer {
  private readonly server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  private started = false;

  constructor(bindings: GrpcServiceBinding[]) {
    for (const b of bindings) this.server.addService(b.definition, b.implementation);
  }

  /** Binds and starts; returns the bound port (useful with port 0). */
  start(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, bound) => {
        if (err) return reject(err);
        this.started = true;
        resolve(bound);
      });
    });
  }

  /** Stops taking calls, lets running calls finish up to `graceMs`, then cancels the rest. */
  stop(graceMs: number): Promise<void> {
    if (!this.started) return Promise.resolve();
    this.started = false;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
