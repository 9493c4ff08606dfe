import { fidelityRows } from './sim-fidelity';

describe('sim fidelity benchmark', () => {
  it('reproduces every measured point it checks within 2%', () => {
    const rows = fidelityRows();
    expect(rows.length).toBe(7);
    for (const [name, table, sim] of rows) expect([name, Math.abs(Number(sim) / Number(table) - 1) < 0.02]).toEqual([name, true]);
  });
});
