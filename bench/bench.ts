/**
 * `npm run bench`: forward+backward nanoseconds per gate for every workload
 * and engine, side by side, with the ratio to the hand-written loop, build
 * time per gate, and memory per gate. Each workload (and each memory
 * measurement) runs in a process of its own. `npm run bench -- --json`
 * prints one JSON object instead of the table.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { WORKLOADS } from './workloads';
import { ENGINES, type EngineName } from './worker';

interface EngineFigures {
  nsPerGate: number;
  ratioToHandwritten: number;
  buildNsPerGate?: number;
  bytesPerGate?: number;
  peakBytesPerGate?: number;
}

interface Row {
  name: string;
  gates: number;
  engines: Partial<Record<EngineName, EngineFigures>>;
}

const json = process.argv.includes('--json');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const worker = path.join(__dirname, 'worker.js');

function run(args: readonly string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', worker, ...args], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

const rows: Row[] = [];
WORKLOADS.forEach((w, i) => {
  if (only !== undefined && !w.name.includes(only)) return;
  if (!json) process.stderr.write(`measuring ${w.name} ...\n`);
  const t = run([String(i), 'time']) as { error?: string; engines?: Record<string, { nsPerGate: number; buildNsPerGate?: number }> };
  if (t.error !== undefined || t.engines === undefined) throw new Error(`${w.name}: ${t.error ?? 'no result'}`);
  const hand = t.engines.handwritten?.nsPerGate ?? NaN;
  const row: Row = { name: w.name, gates: w.gates, engines: {} };
  for (const e of ENGINES) {
    const f = t.engines[e];
    if (f === undefined) continue;
    const m = e === 'circuit-alloc' ? undefined : (run([String(i), 'memory', e]) as { bytesPerGate: number; peakBytesPerGate: number });
    row.engines[e] = {
      nsPerGate: f.nsPerGate,
      ratioToHandwritten: f.nsPerGate / hand,
      ...(f.buildNsPerGate === undefined ? {} : { buildNsPerGate: f.buildNsPerGate }),
      ...(m === undefined ? {} : { bytesPerGate: m.bytesPerGate, peakBytesPerGate: m.peakBytesPerGate }),
    };
  }
  rows.push(row);
});

if (json) {
  process.stdout.write(JSON.stringify({ machine: machine(), workloads: rows }) + '\n');
} else {
  const fmt = (x: number | undefined, digits = 1): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));
  const header = ['workload', 'gates', 'hand ns/gate', 'circuit ns/gate', 'ratio', 'alloc ns/gate', 'ratio', 'compiled ns/gate', 'ratio', 'build ns/gate', 'bytes/gate', 'peak bytes/gate', 'compiled bytes/gate'];
  const lines = rows.map((r) => {
    const h = r.engines.handwritten;
    const c = r.engines.circuit;
    const a = r.engines['circuit-alloc'];
    const k = r.engines.compiled;
    return [r.name, r.gates.toLocaleString('en-US'), fmt(h?.nsPerGate, 2), fmt(c?.nsPerGate, 2), `${fmt(c?.ratioToHandwritten)}x`, fmt(a?.nsPerGate, 2), `${fmt(a?.ratioToHandwritten)}x`, fmt(k?.nsPerGate, 2), `${fmt(k?.ratioToHandwritten)}x`, fmt(c?.buildNsPerGate, 0), ...(r.gates < 1000 ? ['-', '-', '-'] : [fmt(c?.bytesPerGate, 0), fmt(c?.peakBytesPerGate, 0), fmt(k?.bytesPerGate, 0)])];
  });
  const widths = header.map((h, k) => Math.max(h.length, ...lines.map((l) => (l[k] ?? '').length)));
  const show = (cells: readonly string[]): string => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k] ?? 0) : c.padStart(widths[k] ?? 0))).join('  ');
  console.log(`backprop-ninja benchmark: forward+backward per gate, median of 9 interleaved rounds (${machine()})`);
  console.log('circuit = Circuit.workspace() (buffers reused); alloc = circuit.forwardArray + circuit.backward (fresh results each pass); compiled = compile(circuit).run');
  console.log(show(header));
  for (const l of lines) console.log(show(l));
  console.log('memory is not shown for circuits under 1,000 gates: the heap measurement noise is larger than the circuit');
}

function machine(): string {
  return `${os.cpus()[0]?.model ?? 'cpu'} x${String(os.cpus().length)}, node ${process.version}`;
}
