// Endpoints from the local registry folder (`tools/llmd sim serve` writes one file per pod).
import { DirectoryRegistry } from '@llmd/platform';
import type { Logger } from 'pino';
import { staticEndpointSchema } from '../config';
import type { EndpointRegistry } from './endpoint-registry';

export class LocalRegistrySource {
  private readonly registry: DirectoryRegistry<typeof staticEndpointSchema>;

  constructor(dir: string, endpoints: EndpointRegistry, logger: Logger, intervalMs = 500) {
    this.registry = new DirectoryRegistry(
      dir,
      staticEndpointSchema,
      {
        upsert: (_id, spec) => {
          endpoints.upsert(spec);
          logger.info({ endpoint: spec.id, address: spec.address }, 'endpoint registered');
        },
        remove: (id) => {
          endpoints.remove(id);
          logger.info({ endpoint: id }, 'endpoint gone');
        },
      },
      logger,
      intervalMs,
    );
  }

  start(): Promise<void> {
    return this.registry.start();
  }

  stop(): void {
    this.registry.stop();
  }

  sync(): Promise<void> {
    return this.registry.sync();
  }
}
