// Prefers endpoints with less the scheduler's own count of requests it assigned and that have not completed.
import type { Endpoint } from '../../../framework';
import { LoadScorer, loadScorerDescriptor } from '../../shared/load-scorer';

export const IN_FLIGHT_SCORER = 'in-flight-scorer';

export class InFlightScorer extends LoadScorer {
  readonly type = IN_FLIGHT_SCORER;

  protected load(e: Endpoint): number {
    return e.inFlight;
  }
}

export const inFlightScorerDescriptor = loadScorerDescriptor(IN_FLIGHT_SCORER, (name) => new InFlightScorer(name));
