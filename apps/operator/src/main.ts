// operator: reconciles llm-d.io custom resources (LLMDeployment, ServingPool, InferenceGateway and
// their policies) into Kubernetes objects. Decisions are @llmd/manifests functions; this app watches,
// applies and writes status, on the controller-kit's informers, queues and leader election.
import 'reflect-metadata';
import { runContextService } from '@llmd/platform';
import { OPERATOR_ENV, operatorConfigSchema } from './config';
import { OperatorModule } from './operator.module';

void runContextService({ service: 'operator', schema: operatorConfigSchema, envMap: OPERATOR_ENV, module: (config) => OperatorModule.forRoot(config) });
