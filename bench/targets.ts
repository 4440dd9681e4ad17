/**
 * The issue's targets, checked against one bench run's figures: each target,
 * what was measured, and whether it is met. `npm run bench -- --write-docs`
 * writes the result into docs/benchmarks.md, so the stated verdicts are
 * always those of the figures beside them.
 */

/** One engine's figures on one workload, as the bench reports them. */
export interface TargetFigures {
  readonly nsPerGate: number;
  readonly ratioToHandwritten: number;
  readonly buildNsPerGate: number;
  readonly bytesPerGate: number;
}

/** One workload's row: its name, gates and each engine's figures. */
export interface TargetRow {
  readonly name: string;
  readonly gates: number;
  readonly engines: Readonly<Record<string, TargetFigures | undefined>>;
}

/** A target and its verdict: `met` is undefined when the run did not measure it. */
export interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

const x = (r: number): string => `${r.toFixed(2)}x`;

/** The worst of an engine's ratios to hand-written over the rows it ran on, and where. */
function worst(rows: readonly TargetRow[], engine: string): { ratio: number; name: string; best: number } | undefined {
  let out: { ratio: number; name: string; best: number } | undefined;
  for (const r of rows) {
    const f = r.engines[engine];
    if (f === undefined) continue;
    if (out === undefined) out = { ratio: f.ratioToHandwritten, name: r.name, best: f.ratioToHandwritten };
    else {
      out.best = Math.min(out.best, f.ratioToHandwritten);
      if (f.ratioToHandwritten > out.ratio) {
        out.ratio = f.ratioToHandwritten;
        out.name = r.name;
      }
    }
  }
  return out;
}

/** Within `limit` times hand-written on every workload the engine ran on. */
function within(rows: readonly TargetRow[], engine: string, label: string, limit: number): Verdict {
  const w = worst(rows, engine);
  const target = `${label}: within ${String(limit)}x of hand-written on every workload`;
  if (w === undefined) return { target, measured: 'not measured', met: undefined };
  const over = rows.filter((r) => (r.engines[engine]?.ratioToHandwritten ?? 0) > limit).map((r) => `${r.name} ${x(r.engines[engine]?.ratioToHandwritten ?? NaN)}`);
  const measured = `${x(w.best)} to ${x(w.ratio)}${over.length === 0 ? '' : `; over: ${over.join(', ')}`}`;
  return { target, measured, met: over.length === 0 };
}

/** The row of the largest workload of at least `gates` gates, if the run has one. */
function largest(rows: readonly TargetRow[], gates: number): TargetRow | undefined {
  return rows.filter((r) => r.gates >= gates).sort((a, b) => b.gates - a.gates)[0];
}

/**
 * The verdicts of one run. Linear scaling compares the sigmoid layers of
 * N = 10,000 and N = 200,000 (40,001 and 800,001 gates), the bench's one
 * family of sizes; memory and build time are read at the largest workload
 * of at least 1,000,000 gates (the deep chain).
 */
export function verdicts(rows: readonly TargetRow[]): Verdict[] {
  const out: Verdict[] = [within(rows, 'compiled', 'compiled', 1.5), within(rows, 'circuit', 'interpreted `Circuit`', 5)];
  const big = largest(rows, 1_000_000);
  const memory = big?.engines.compiled?.bytesPerGate;
  out.push({
    target: 'compiled: under 64 bytes per gate at 1,000,000 gates',
    measured: memory === undefined || big === undefined ? 'not measured' : `${memory.toFixed(1)} B/gate (${big.name})`,
    met: memory === undefined ? undefined : memory < 64,
  });
  const small = rows.find((r) => r.name === 'sigmoid layer N=10,000')?.engines.compiled;
  const large = rows.find((r) => r.name === 'sigmoid layer N=200,000')?.engines.compiled;
  const scaling = small === undefined || large === undefined ? undefined : large.nsPerGate / small.nsPerGate;
  out.push({
    target: 'compiled: ns/gate at the large size at most 1.5x that at the small one',
    measured: scaling === undefined || small === undefined || large === undefined ? 'not measured' : `${x(scaling)} (sigmoid layer: ${small.nsPerGate.toFixed(2)} ns/gate at N=10,000, ${large.nsPerGate.toFixed(2)} at N=200,000)`,
    met: scaling === undefined ? undefined : scaling <= 1.5,
  });
  const both = rows.filter((r) => r.engines.compiled !== undefined && r.engines.simplegrad !== undefined);
  const margins = both.map((r) => ({ name: r.name, times: (r.engines.simplegrad?.nsPerGate ?? NaN) / (r.engines.compiled?.nsPerGate ?? NaN) }));
  const least = [...margins].sort((a, b) => a.times - b.times)[0];
  out.push({
    target: 'compiled: faster than simplegrad on every workload',
    measured: least === undefined ? 'not measured' : `simplegrad takes ${x(least.times)} (${least.name}) to ${x(Math.max(...margins.map((m) => m.times)))} the compiled time`,
    met: least === undefined ? undefined : least.times > 1,
  });
  const build = big?.engines.compiled?.buildNsPerGate;
  out.push({
    target: 'building and compiling: under 1,000 ns per gate at 1,000,000 gates, from a `Circuit`',
    measured: build === undefined || big === undefined ? 'not measured' : `${build.toFixed(0)} ns/gate (${big.name})`,
    met: build === undefined ? undefined : build < 1000,
  });
  return out;
}

/** The verdicts as a markdown table. */
export function verdictTable(rows: readonly TargetRow[]): string[] {
  return [
    '| target | measured | met |',
    '| --- | --- | --- |',
    ...verdicts(rows).map((v) => `| ${v.target} | ${v.measured} | ${v.met === undefined ? '-' : v.met ? 'yes' : '**no**'} |`),
  ];
}
