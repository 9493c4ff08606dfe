import { ALL_TOPICS, MESSAGE_TYPE_HEADER, TOPICS } from './topics';
import { recordHeaders, scalingDecisionCodec } from './codecs';
import type { ScalingDecisionRecord } from './records';

const decision = (over: Partial<ScalingDecisionRecord> = {}): ScalingDecisionRecord => ({
  namespace: 'prod',
  pool: 'llama-decode',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  role: 'decode',
  policy: 'saturation',
  currentReplicas: 2,
  recommendedReplicas: 3,
  desiredReplicas: 3,
  readyReplicas: 2,
  startingReplicas: 0,
  reason: 'spare-kv-low',
  message: 'mean spare KV 0.05 below 0.10: one more replica',
  limitedBy: '',
  inputs: { spareKv: 0.05, spareQueue: 4.5 },
  timestampUnixMs: 1_764_806_400_123,
  applied: true,
  ...over,
});

describe('scalingDecisionCodec', () => {
  it.each([
    ['an applied scale-up', decision()],
    ['a limited, unapplied recommendation', decision({ desiredReplicas: 4, recommendedReplicas: 6, limitedBy: 'maxReplicas', applied: false, policy: 'slo', role: 'prefill' })],
    ['an invalid spec (no policy ran)', decision({ policy: '', reason: 'invalid-spec', message: 'spec.autoscaling.maxReplicas: required', inputs: {}, currentReplicas: 0, desiredReplicas: 0, recommendedReplicas: 0 })],
  ])('round-trips %s', (_name, record) => {
    expect(scalingDecisionCodec.decode(scalingDecisionCodec.encode(record))).toEqual(record);
  });

  it('is on llmd.scaling-decisions.v1, which topic creation includes, with its message type header', () => {
    expect(scalingDecisionCodec.topic).toBe('llmd.scaling-decisions.v1');
    expect(ALL_TOPICS).toContain(TOPICS.scalingDecisions);
    expect(recordHeaders(scalingDecisionCodec)[MESSAGE_TYPE_HEADER]).toBe('llmd.telemetry.v1.ScalingDecision');
  });
});
