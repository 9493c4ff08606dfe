// A gRPC server (grpc-js) hosting one or more generated service implementations.
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import { Server, ServerCredentials, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { GrpcServerSecurity } from './grpc-tls';

/**
 * HTTP/2 receive windows of the server's connections: per stream, and for the whole connection.
 * HTTP/2's default (64 KiB) lets a PickStream carry two 32 KB prompts at a time before the next
 * WINDOW_UPDATE; 4 MiB lets Picks flow at the rate the scheduler decides them.
 */
const STREAM_WINDOW = 4 * 1024 * 1024;
const CONNECTION_WINDOW = 16 * 1024 * 1024;

export interface GrpcServiceBinding {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export class GrpcServer {
  private readonly server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  private started = false;
  private security: GrpcServerSecurity | undefined;

  constructor(bindings: GrpcServiceBinding[]) {
    for (const b of bindings) this.server.addService(b.definition, b.implementation);
  }

  /** Binds and starts, in plaintext unless `security` says TLS (see grpcServerSecurity); returns the bound port (useful with port 0). */
  start(host: string, port: number, security?: GrpcServerSecurity): Promise<number> {
    this.security = security;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, security?.credentials ?? ServerCredentials.createInsecure(), (err, bound) => {
        if (err) {
          security?.watcher?.close();
          return reject(err);
        }
        this.widenWindows();
        this.started = true;
        resolve(bound);
      });
    });
  }

  /**
   * grpc-js sets no window options on its server sessions, so each new session gets them here, through
   * the HTTP/2 servers grpc-js keeps (an internal field: if a grpc-js release renames it, the windows
   * stay at HTTP/2's default and nothing else changes).
   */
  private widenWindows(): void {
    const servers = (this.server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
    if (!(servers instanceof Map)) return;
    for (const h2 of servers.keys()) {
      h2.on('session', (session: ServerHttp2Session) => {
        try {
          session.settings({ initialWindowSize: STREAM_WINDOW });
          session.setLocalWindowSize(CONNECTION_WINDOW);
        } catch {
          // The session closed before it could be tuned.
        }
      });
    }
  }

  /** Stops taking calls, lets running calls finish up to `graceMs`, then cancels the rest. */
  stop(graceMs: number): Promise<void> {
    if (!this.started) return Promise.resolve();
    this.started = false;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    }).finally(() => this.security?.watcher?.close());
  }
}
