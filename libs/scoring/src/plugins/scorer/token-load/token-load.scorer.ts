// Prefers endpoints with less estimated tokens (prompt + max completion) of the requests the scheduler assigned and that have not completed.
import type { Endpoint } from '../../../framework';
import { LoadScorer, loadScorerDescriptor } from '../../shared/load-scorer';

export const TOKEN_LOAD_SCORER = 'token-load-scorer';

export class TokenLoadScorer extends LoadScorer {
  readonly type = TOKEN_LOAD_SCORER;

  protected load(e: Endpoint): number {
    return e.inFlightTokens ?? 0;
  }
}

export const tokenLoadScorerDescriptor = loadScorerDescriptor(TOKEN_LOAD_SCORER, (name) => new TokenLoadScorer(name));
