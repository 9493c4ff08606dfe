// Autoscaling decisions (pure): observed pool state + policy + time -> desired replicas and a reason.
// The autoscaler app and the cluster simulator (tools/bench) call the same functions.
export {};
