// The gateway asks the pod for the usage chunk on every stream (so telemetry has real token counts)
// and removes it again from streams whose client did not ask for it: the client sees the bytes it
// would have seen, event for event.

/** vLLM's and OpenAI's usage-only chunk: no choices, a usage object. */
function isUsageOnly(event: string): boolean {
  if (!event.startsWith('data: {')) return false;
  try {
    const o = JSON.parse(event.slice(6)) as { choices?: unknown[]; usage?: unknown };
    return Array.isArray(o.choices) && o.choices.length === 0 && o.usage != null;
  } catch {
    return false;
  }
}

export class UsageStripper {
  private buffer = '';

  /** Complete events to forward from this piece of the stream (a partial event waits for the rest). */
  push(text: string): string {
    this.buffer += text;
    let out = '';
    let sep: number;
    while ((sep = this.buffer.indexOf('\n\n')) >= 0) {
      const event = this.buffer.slice(0, sep);
      this.buffer = this.buffer.slice(sep + 2);
      // Only the usage chunk is parsed: the cheap test first.
      if (event.includes('"choices":[]') && isUsageOnly(event)) continue;
      out += `${event}\n\n`;
    }
    return out;
  }

  /** Whatever is left at the end of the stream. */
  flush(): string {
    const rest = this.buffer;
    this.buffer = '';
    return rest;
  }
}
