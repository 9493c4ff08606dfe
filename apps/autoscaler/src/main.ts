// autoscaler: sizes each pool from its load and finished requests (Kafka) with @llmd/autoscaling and
// writes the replicas through an actuator (the ServingPools' /scale subresource, or the local stack).
import 'reflect-metadata';
import { runContextService } from '@llmd/platform';
import { AutoscalerModule } from './autoscaler.module';
import { AUTOSCALER_ENV, autoscalerConfigSchema } from './config';

void runContextService({ service: 'autoscaler', schema: autoscalerConfigSchema, envMap: AUTOSCALER_ENV, module: (config) => AutoscalerModule.forRoot(config) });
