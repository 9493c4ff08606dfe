// autoscaler: reads pool load from Kafka; sets the replicas of each pool (with the autoscaling issue).
import 'reflect-metadata';
import { runContextService } from '@llmd/platform';
import { AutoscalerModule } from './autoscaler.module';
import { AUTOSCALER_ENV, autoscalerConfigSchema } from './config';

void runContextService({ service: 'autoscaler', schema: autoscalerConfigSchema, envMap: AUTOSCALER_ENV, module: (config) => AutoscalerModule.forRoot(config) });
