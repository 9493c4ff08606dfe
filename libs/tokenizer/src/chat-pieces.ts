// Where a rendered chat prompt may be cut so that tokenizing the pieces one by one gives the same ids
// as tokenizing the whole: just before a special added token (matched before normalization and
// pre-tokenization, so no merge crosses it), and only for tokenizers whose normalizer and
// pre-tokenizer treat every segment alike (a Metaspace "first" prepend or a Prepend normalizer marks
// the first segment only, so a cut would move that mark).

/** An entry of tokenizer.json's added_tokens. */
export interface AddedTokenSpec {
  id: number;
  content: string;
  special?: boolean;
  /** Matched on the normalized text rather than the raw text. */
  normalized?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  single_word?: boolean;
}

/** The parts of tokenizer.json that decide where cuts are safe. */
export interface TokenizerJsonHead {
  added_tokens?: AddedTokenSpec[];
  normalizer?: unknown;
  pre_tokenizer?: unknown;
}

/** True when some component would treat the first segment of a text differently from the others. */
function marksFirstSegment(component: unknown): boolean {
  if (component === null || typeof component !== 'object') return false;
  if (Array.isArray(component)) return component.some(marksFirstSegment);
  const c = component as Record<string, unknown>;
  if (c.type === 'Prepend') return true;
  if (c.type === 'Metaspace' && (c.prepend_scheme === 'first' || (c.prepend_scheme === undefined && c.add_prefix_space === true))) return true;
  return Object.values(c).some(marksFirstSegment);
}

/** A normalizer that leaves text as it is (none, or an empty sequence). */
function isIdentity(normalizer: unknown): boolean {
  if (normalizer === null || normalizer === undefined) return true;
  const n = normalizer as { type?: string; normalizers?: unknown[] };
  return n.type === 'Sequence' && (n.normalizers ?? []).every(isIdentity);
}

/**
 * The added tokens before which `template` output may be cut, or none when this tokenizer cannot
 * be cut at all. Candidates are the added tokens that the template writes (and BOS/EOS), all split
 * out before pre-tokenization; a token matched on normalized text under a normalizer that changes
 * text, one that strips whitespace on its left or must stand as a whole word is not a safe cut, nor
 * is one that occurs inside another added token (the longer match could straddle the cut).
 */
export function cutMarkers(head: TokenizerJsonHead, template: string | undefined, extra: readonly (string | undefined)[]): string[] {
  if (marksFirstSegment(head.normalizer) || marksFirstSegment(head.pre_tokenizer)) return [];
  const added = head.added_tokens ?? [];
  const identity = isIdentity(head.normalizer);
  return added
    .filter((t) => (t.normalized === false || identity) && !t.lstrip && !t.single_word && t.content.length > 0)
    .filter((t) => (template?.includes(t.content) ?? false) || extra.includes(t.content))
    .filter((t) => !added.some((o) => o.content !== t.content && o.content.includes(t.content)))
    .map((t) => t.content);
}

/**
 * `text` cut just before marker occurrences into pieces of at least `minChars` (shorter runs are
 * joined to the next), so that the cut points depend only on the text before them: two prompts
 * sharing a long prefix share its pieces.
 */
export function cutBeforeMarkers(text: string, markers: readonly string[], minChars = 256): string[] {
  if (markers.length === 0) return [text];
  const pattern = new RegExp(markers.map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const out: string[] = [];
  let from = 0;
  for (const match of text.matchAll(pattern)) {
    const at = match.index as number;
    if (at - from >= minChars) {
      out.push(text.slice(from, at));
      from = at;
    }
  }
  out.push(text.slice(from));
  return out.filter((p) => p.length > 0);
}
