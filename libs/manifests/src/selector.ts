// Label selectors as strings (the scale subresource's .status.selector).
export function labelSelectorString(matchLabels: Record<string, string>): string {
  return Object.entries(matchLabels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
