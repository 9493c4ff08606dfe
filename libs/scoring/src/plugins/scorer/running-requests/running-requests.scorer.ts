// Prefers endpoints with less vllm.
import type { Endpoint } from '../../../framework';
import { LoadScorer, loadScorerDescriptor } from '../../shared/load-scorer';

export const RUNNING_REQUESTS_SCORER = 'running-requests-scorer';

export class RunningRequestsScorer extends LoadScorer {
  readonly type = RUNNING_REQUESTS_SCORER;

  protected load(e: Endpoint): number {
    return e.metrics.running;
  }
}

export const runningRequestsScorerDescriptor = loadScorerDescriptor(RUNNING_REQUESTS_SCORER, (name) => new RunningRequestsScorer(name));
