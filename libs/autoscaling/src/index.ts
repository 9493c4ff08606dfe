// Autoscaling decisions (pure): observed pool state + policy + time -> desired replicas and a reason.
// The autoscaler app and the cluster simulator (tools/bench) call the same functions.
export * from './types';
export * from './saturation-defaults';
export * from './hpa-replicas';
export * from './pool-autoscaler';
export * from './behavior/behavior-rules';
export * from './behavior/scaling-history';
export * from './behavior/normalize';
export * from './saturation/saturation-analysis';
export * from './saturation/saturation.policy';
export * from './slo/queueing';
export * from './slo/capacity-model';
export * from './slo/latency-correction';
export * from './slo/slo.policy';
export * from './predictive/series-forecaster';
export * from './predictive/traffic-forecaster';
export * from './predictive/predictive.policy';
export * from './traffic/percentile';
export * from './traffic/traffic-window';
export * from './traffic/pool-sample';
