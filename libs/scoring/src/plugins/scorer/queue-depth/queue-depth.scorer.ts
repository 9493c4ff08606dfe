// Prefers endpoints with fewer waiting requests, min-max normalised across the candidates.
import type { Endpoint } from '../../../framework';
import { LoadScorer, loadScorerDescriptor } from '../../shared/load-scorer';

export const QUEUE_DEPTH_SCORER = 'queue-depth-scorer';

export class QueueDepthScorer extends LoadScorer {
  readonly type = QUEUE_DEPTH_SCORER;

  protected load(e: Endpoint): number {
    return e.metrics.waiting;
  }
}

export const queueDepthScorerDescriptor = loadScorerDescriptor(QUEUE_DEPTH_SCORER, (name) => new QueueDepthScorer(name));
