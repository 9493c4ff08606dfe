// cache-manager: the KV-block index service, fed by vLLM KV events through Kafka, answering over gRPC.
import 'reflect-metadata';
import { runContextService } from '@llmd/platform';
import { CacheManagerModule } from './cache-manager.module';
import { CACHE_MANAGER_ENV, cacheManagerConfigSchema } from './config';

void runContextService({ service: 'cache-manager', schema: cacheManagerConfigSchema, envMap: CACHE_MANAGER_ENV, module: (config) => CacheManagerModule.forRoot(config) });
