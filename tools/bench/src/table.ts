// Plain-text tables for benchmark output.
export function printTable(headers: string[], rows: (string | number)[][], write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  write(line(headers));
  write(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of cells.slice(1)) write(line(r));
}
