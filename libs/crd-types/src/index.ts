// The llm-d.io/v1alpha1 resources, written once in zod: the CRD manifests in deploy/crds are generated
// from these schemas, and the operator parses objects with them.
export * from './cel-rules';
export * from './common';
export * from './llm-deployment';
export * from './serving-pool';
export * from './inference-gateway';
export * from './policies';
export * from './autoscaling';
export * from './kinds';
export * from './crd/structural-schema';
export * from './crd/crd-manifests';
export * from './crd/crd-reference';
