// A counter or gauge read from a process's Prometheus text, summed over its series.
export async function metricSum(port: number, name: string, host = '127.0.0.1'): Promise<number> {
  const text = await (await fetch(`http://${host}:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
