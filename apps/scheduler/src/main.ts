// scheduler: the endpoint picker. Serves Scheduler.Pick over gRPC from live endpoint load.
import 'reflect-metadata';
import { runContextService } from '@llmd/platform';
import { SCHEDULER_ENV, schedulerConfigSchema } from './config';
import { SchedulerModule } from './scheduler.module';

void runContextService({ service: 'scheduler', schema: schedulerConfigSchema, envMap: SCHEDULER_ENV, module: (config) => SchedulerModule.forRoot(config) });
