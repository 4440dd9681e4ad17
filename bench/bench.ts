/**
 * `npm run bench`: forward+backward nanoseconds per gate for every workload
 * and engine, side by side, with the ratio to the hand-written loop, build
 * time per gate, and memory per gate. Each workload (and each memory
 * measurement) runs in a process of its own.
 *
 *   npm run bench -- --json            one JSON object on stdout instead of the tables
 *   npm run bench -- --only=layer      the workloads whose name contains "layer"
 *   npm run bench -- --skip=tfjs,...   leave engines out
 *   npm run bench -- --write-docs      also write docs/benchmarks.md and docs/benchmarks.svg
 *
 * The peer engines' packages (simplegrad, @tensorflow/tfjs) are installed on
 * first use into bench/.peers/ (see peers/install.ts).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensurePeer, projectRoot, SIMPLEGRAD, TFJS, type Peer } from './peers/install';
import { tfjsRuns } from './peers/tfjs';
import { verdictTable } from './targets';
import { WORKLOADS } from './workloads';
import { ENGINES, MEMORY_GATES, PEERS, ROUNDS, batchPoints, type EngineName } from './worker';

interface EngineFigures {
  nsPerGate: number;
  ratioToHandwritten: number;
  buildNsPerGate: number;
  bytesPerGate: number;
  peakBytesPerGate: number;
}

interface Row {
  name: string;
  gates: number;
  engines: Partial<Record<EngineName, EngineFigures>>;
}

interface Skip {
  workload: string;
  engine: string;
  reason: string;
}

const SHORT: Record<EngineName, string> = {
  handwritten: 'hand',
  circuit: 'circuit',
  'circuit-alloc': 'alloc',
  compiled: 'compiled',
  batch: 'batch',
  simplegrad: 'simplegrad',
  'micrograd-style': 'micrograd',
  tfjs: 'tfjs',
};

const args = process.argv.slice(2);
const json = args.includes('--json');
const writeDocs = args.includes('--write-docs');
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = option('only');
const skip = option('skip')?.split(',').filter((s) => s !== '') ?? [];
const worker = path.join(__dirname, 'worker.js');
const log = (line: string): void => {
  process.stderr.write(line + '\n');
};
if (skip.includes('handwritten')) {
  log('handwritten always runs: it is the reference every engine is checked against and timed by');
  skip.splice(skip.indexOf('handwritten'), 1);
}

function run(argv: readonly string[]): Record<string, unknown> {
  let out: string;
  try {
    out = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', worker, ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
  } catch (e) {
    const stdout = (e as { stdout?: unknown }).stdout;
    out = typeof stdout === 'string' ? stdout : '';
    if (out.trim() === '') throw e;
  }
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

const selected = WORKLOADS.map((w, i) => ({ w, i })).filter(({ w }) => only === undefined || w.name.includes(only));

// Install the peers the selected workloads need, before any timing.
const skips: Skip[] = [];
const versions: Record<string, string> = {};
const peers: [EngineName, Peer, boolean][] = [
  ['simplegrad', SIMPLEGRAD, selected.length > 0],
  ['tfjs', TFJS, selected.some(({ w }) => tfjsRuns(w))],
];
for (const [engine, peer, needed] of peers) {
  if (!needed || skip.includes(engine)) continue;
  const why = ensurePeer(peer, log);
  if (why === undefined) {
    versions[peer.name] = peer.version;
  } else {
    log(`${engine} skipped: ${why}`);
    skip.push(engine);
    skips.push({ workload: '*', engine, reason: why });
  }
}

const started = Date.now();
const rows: Row[] = [];
for (const { w, i } of selected) {
  log(`measuring ${w.name} ...`);
  const t = run([String(i), 'time', `--skip=${skip.join(',')}`]) as {
    error?: string;
    engines?: Record<string, { nsPerGate: number; buildNsPerGate: number }>;
    skipped?: Record<string, string>;
  };
  if (t.error !== undefined || t.engines === undefined) throw new Error(`${w.name}: ${t.error ?? 'no result'}`);
  for (const [engine, reason] of Object.entries(t.skipped ?? {})) {
    if (reason !== 'skipped by --skip' || !skips.some((s) => s.engine === engine && s.workload === '*')) skips.push({ workload: w.name, engine, reason });
  }
  const hand = t.engines.handwritten?.nsPerGate ?? NaN;
  const row: Row = { name: w.name, gates: w.gates, engines: {} };
  for (const e of ENGINES) {
    const f = t.engines[e];
    if (f === undefined) continue;
    const m = run([String(i), 'memory', e]) as { bytesPerGate?: number; peakBytesPerGate?: number; error?: string };
    const figures: EngineFigures = {
      nsPerGate: f.nsPerGate,
      ratioToHandwritten: f.nsPerGate / hand,
      buildNsPerGate: f.buildNsPerGate,
      bytesPerGate: m.bytesPerGate ?? NaN,
      peakBytesPerGate: m.peakBytesPerGate ?? NaN,
    };
    // every figure is a number (JSON has no NaN): an engine without one is left out, with the reason
    const missing = Object.entries(figures).filter(([, x]) => !Number.isFinite(x)).map(([k]) => k);
    if (missing.length > 0) {
      const why = `no ${missing.join(', ')}${m.error === undefined ? '' : ` (memory: ${m.error})`}`;
      if (!PEERS.includes(e)) throw new Error(`${w.name}: ${e}: ${why}`);
      log(`${w.name}: ${e} left out: ${why}`);
      skips.push({ workload: w.name, engine: e, reason: why });
      continue;
    }
    row.engines[e] = figures;
  }
  rows.push(row);
}
const seconds = Math.round((Date.now() - started) / 1000);

if (json) {
  process.stdout.write(JSON.stringify({ machine: machine(), date: new Date().toISOString(), peers: versions, skipped: skips, workloads: rows }) + '\n');
} else {
  console.log(text());
}
if (writeDocs) {
  const docs = path.join(projectRoot(), 'docs');
  fs.writeFileSync(path.join(docs, 'benchmarks.md'), markdown());
  fs.writeFileSync(path.join(docs, 'benchmarks.svg'), svg());
  log(`wrote docs/benchmarks.md and docs/benchmarks.svg`);
}
log(`bench took ${String(seconds)} s`);

function machine(): string {
  return `${os.cpus()[0]?.model.trim() ?? 'cpu'} x${String(os.cpus().length)}, ${String(Math.round(os.totalmem() / 2 ** 30))} GiB, node ${process.version}`;
}


function fmt(x: number | undefined, digits = 1): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  return Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits);
}

/** The engines that ran on at least one workload, in ENGINES order. */
function shown(): EngineName[] {
  return ENGINES.filter((e) => rows.some((r) => r.engines[e] !== undefined));
}

/** The three tables: time and ratio, build time, memory; as rows of cells. */
function tables(): { title: string; header: string[]; lines: string[][] }[] {
  const engines = shown();
  const speed = rows.map((r) => [
    r.name,
    r.gates.toLocaleString('en-US'),
    ...engines.flatMap((e) => {
      const f = r.engines[e];
      if (f === undefined) return e === 'handwritten' ? ['-'] : ['-', '-'];
      return e === 'handwritten' ? [fmt(f.nsPerGate, 2)] : [fmt(f.nsPerGate, 2), `${fmt(f.ratioToHandwritten)}x`];
    }),
  ]);
  const speedHeader = ['workload', 'gates', ...engines.flatMap((e) => (e === 'handwritten' ? ['hand ns/gate'] : [`${SHORT[e]} ns/gate`, 'ratio']))];
  const per = (pick: (f: EngineFigures) => number): string[][] =>
    rows.map((r) => [r.name, r.gates.toLocaleString('en-US'), ...engines.map((e) => fmt(r.engines[e] === undefined ? undefined : pick(r.engines[e]), 0))]);
  const perHeader = ['workload', 'gates', ...engines.map((e) => SHORT[e])];
  return [
    { title: 'forward+backward ns per gate, and ratio to hand-written', header: speedHeader, lines: speed },
    { title: 'build ns per gate (what build means for each engine: see below)', header: perHeader, lines: per((f) => f.buildNsPerGate) },
    { title: `bytes per gate retained after build and one pass (a workload under ${MEMORY_GATES.toLocaleString('en-US')} gates measured as copies of it)`, header: perHeader, lines: per((f) => f.bytesPerGate) },
  ];
}

function skipLines(): string[] {
  return skips.map((s) => `${s.engine} ${s.workload === '*' ? 'everywhere' : `on ${s.workload}`}: ${s.reason}`);
}

function text(): string {
  const out: string[] = [`backprop-ninja benchmark: median of ${ROUNDS}; ${machine()}`];
  for (const { title, header, lines } of tables()) {
    const widths = header.map((h, k) => Math.max(h.length, ...lines.map((l) => (l[k] ?? '').length)));
    const show = (cells: readonly string[]): string => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k] ?? 0) : c.padStart(widths[k] ?? 0))).join('  ');
    out.push('', title, show(header), ...lines.map(show));
  }
  out.push('', 'hand = hand-written loop; circuit = Circuit.workspace(); alloc = forwardArray + backward; compiled = compile(circuit).run;');
  if (batchSizes() !== '') out.push(`batch = compile(circuit).batch over ${batchSizes()} points a call (its ns are per gate and point; memory includes its result columns);`);
  out.push('simplegrad = simplegrad compiled; micrograd = micrograd-style Value graph (bench/peers/micrograd.ts); tfjs = @tensorflow/tfjs CPU, float32');
  const s = skipLines();
  if (s.length > 0) out.push('', 'not run:', ...s.map((l) => `  ${l}`));
  return out.join('\n');
}

/** The batch engine's points per call where it ran, e.g. "1,024 or 16". */
function batchSizes(): string {
  const ran = selected.filter(({ w }) => rows.some((r) => r.name === w.name && r.engines.batch !== undefined));
  const sizes = [...new Set(ran.flatMap(({ w }) => batchPoints(w) ?? []))].sort((a, b) => b - a);
  return sizes.map((p) => p.toLocaleString('en-US')).join(' or ');
}

function command(): string {
  return ['npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
}

function markdown(): string {
  const md = (header: readonly string[], lines: readonly (readonly string[])[]): string[] => [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, k) => (k === 0 ? '---' : '---:')).join(' | ')} |`,
    ...lines.map((l) => `| ${l.join(' | ')} |`),
  ];
  const [speed, build, memory] = tables() as [ReturnType<typeof tables>[number], ReturnType<typeof tables>[number], ReturnType<typeof tables>[number]];
  const peerList = Object.entries(versions).map(([n, v]) => `\`${n}\` ${v}`).join(', ');
  return [
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench -- --write-docs` (bench/bench.ts); edit the bench, not this file. -->',
    '',
    `Measured on ${new Date().toISOString().slice(0, 10)} with \`${command()}\` (${String(seconds)} s), on ${machine()}.`,
    'The machine has 2 cores shared with other jobs: figures are noisy, and small ones (a few ns) most of all.',
    `Peers: ${peerList === '' ? 'none installed' : peerList}.`,
    '',
    '![Ratio to the hand-written loop, per engine and workload, log scale](benchmarks.svg)',
    '',
    '## Targets',
    '',
    "The issue's targets, judged from this run's figures below (bench/targets.ts). Building and compiling from an",
    'expression string is measured by `npm run bench:parse`; [performance.md](performance.md) has its figures.',
    '',
    ...verdictTable(rows),
    '',
    '## Forward+backward time per gate',
    '',
    `Nanoseconds per gate for one forward and backward pass (value and every input gradient), median of ${ROUNDS}`,
    "in which the engines take turns, and each engine's ratio to the hand-written loop (lower is better).",
    ...(batchSizes() === '' ? [] : [`The batch engine evaluates ${batchSizes()} points a call; its figure is per gate and point.`]),
    '',
    ...md(speed.header, speed.lines),
    '',
    '## Build time per gate',
    '',
    ...md(build.header, build.lines),
    '',
    '## Memory per gate',
    '',
    'Heap plus array-buffer growth after building and one pass, after a garbage collection, in a process of its own.',
    `A workload under ${MEMORY_GATES.toLocaleString('en-US')} gates is measured as ${MEMORY_GATES.toLocaleString('en-US')} gates' worth of copies of it, each built and run on its own`,
    "(the heap's noise is tens of kilobytes). The batch engine's figure includes the result columns of its points, not its input columns.",
    '',
    ...md(memory.header, memory.lines),
    '',
    '## Not run',
    '',
    ...(skips.length === 0 ? ['Every engine ran on every workload.'] : skipLines().map((l) => `- ${l}`)),
    '',
    '## Engines',
    '',
    'Before any time is taken, every engine\'s value and input gradients are checked against the hand-written',
    'loop: `|x - y| / max(1, |x|)` at most 1e-9 for every float64 engine, at most 1e-4 for tfjs (float32).',
    '',
    '| engine | what runs | build is |',
    '| --- | --- | --- |',
    '| `handwritten` (hand) | a loop over `Float64Array`s computing the same value and gradients (bench/workloads.ts), the practical limit | making its buffers |',
    '| `circuit` | the interpreter through `circuit.workspace()` (buffers reused) | building the `Circuit` and its workspace |',
    '| `circuit-alloc` (alloc) | `circuit.forwardArray` + `circuit.backward`, fresh results each pass | building the `Circuit` |',
    '| `compiled` | `compile(circuit).run`, reading the value and `inputGradients`: one generated function up to `FUSED_LIMIT` (200) gates; above, a loop for every run of gates that repeats one shape and a typed-array tape for the rest | building and compiling |',
    '| `batch` | `compile(circuit).batch(columns, 1)`: many points a call, inputs and results as `Float64Array` columns; the points are deterministic perturbations of the workload\'s point, and every point is checked against the hand-written pass there | building, compiling and a first call on one point (which writes the batch kernel) |',
    '| `simplegrad` | simplegrad\'s compiled forward and backward functions; a pass sets the inputs, runs `forward()`, zeroes the gradients, seeds the output and runs `backward()` | building its graph and `compile()` |',
    '| `micrograd-style` (micrograd) | bench/peers/micrograd.ts: a `Value` object with data, grad, children and a backward closure per operation, built during the forward pass (define-by-run) and sorted iteratively; binary `add` | one forward pass (building the graph), which every pass repeats |',
    '| `tfjs` | `@tensorflow/tfjs` CPU backend in prod mode, float32, `tf.valueAndGrad` inside `tf.tidy`; circuits up to 1,000 gates (the chapter\'s) as scalar operations, the layers up to N=10,000 as five vector operations over an N x 5 input matrix; a pass includes making the input tensor and reading results with `dataSync` | the first (cold) pass: tfjs is eager |',
    '',
    'Gates are counted as the library counts them (the number of non-input wires); the peers may use more',
    'operations for the same circuit (simplegrad and micrograd-style add two terms at a time, tfjs unstacks its input).',
    'The peer packages are installed by the bench on first use into `bench/.peers/` (ignored by git), not by `npm ci`.',
    '',
  ].join('\n');
}

function svg(): string {
  const engines = shown().filter((e) => e !== 'handwritten');
  const colors: Record<string, string> = {
    circuit: '#4e79a7',
    'circuit-alloc': '#a0cbe8',
    compiled: '#59a14f',
    batch: '#8cd17d',
    simplegrad: '#f28e2b',
    'micrograd-style': '#e15759',
    tfjs: '#b07aa1',
  };
  const ratios = rows.flatMap((r) => engines.map((e) => r.engines[e]?.ratioToHandwritten ?? NaN)).filter((x) => Number.isFinite(x) && x > 0);
  const lo = Math.min(0, Math.floor(Math.log10(Math.min(1, ...ratios))));
  const hi = Math.max(1, Math.ceil(Math.log10(Math.max(10, ...ratios))));
  const bar = 12;
  const group = engines.length * bar + 24;
  const left = 64;
  const top = 40;
  const plotH = 320;
  const width = left + rows.length * group + 170;
  const height = top + plotH + 110;
  const y = (ratio: number): number => top + plotH - ((Math.log10(ratio) - lo) / (hi - lo)) * plotH;
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${String(width)}" height="${String(height)}" viewBox="0 0 ${String(width)} ${String(height)}" font-family="sans-serif" font-size="11">`,
    `<rect width="${String(width)}" height="${String(height)}" fill="white"/>`,
    `<text x="${String(left)}" y="20" font-size="13" font-weight="bold">Time per gate relative to the hand-written loop (log scale, lower is better)</text>`,
  ];
  for (let d = lo; d <= hi; d++) {
    const yy = y(10 ** d).toFixed(1);
    const label = d >= 0 ? `${(10 ** d).toLocaleString('en-US')}x` : `${String(10 ** d)}x`;
    out.push(`<line x1="${String(left)}" x2="${String(left + rows.length * group)}" y1="${yy}" y2="${yy}" stroke="${d === 0 ? '#333' : '#ddd'}"${d === 0 ? ' stroke-dasharray="4 3"' : ''}/>`);
    out.push(`<text x="${String(left - 6)}" y="${yy}" text-anchor="end" dominant-baseline="middle">${label}</text>`);
  }
  rows.forEach((r, g) => {
    const x0 = left + g * group + 12;
    engines.forEach((e, k) => {
      const ratio = r.engines[e]?.ratioToHandwritten;
      if (ratio === undefined || !Number.isFinite(ratio) || ratio <= 0) return;
      const yy = y(ratio);
      const base = y(10 ** lo);
      out.push(`<rect x="${String(x0 + k * bar)}" y="${yy.toFixed(1)}" width="${String(bar - 2)}" height="${(base - yy).toFixed(1)}" fill="${colors[e] ?? '#999'}"><title>${esc(`${r.name}, ${e}: ${fmt(ratio)}x (${fmt(r.engines[e]?.nsPerGate, 2)} ns/gate)`)}</title></rect>`);
    });
    const words = r.name.split(' ');
    const cut = Math.ceil(words.length / 2);
    [words.slice(0, cut).join(' '), words.slice(cut).join(' ')].forEach((line, k) => {
      out.push(`<text x="${String(x0 + (engines.length * bar) / 2)}" y="${String(top + plotH + 16 + k * 13)}" text-anchor="middle">${esc(line)}</text>`);
    });
  });
  engines.forEach((e, k) => {
    const lx = left + rows.length * group + 16;
    const ly = top + k * 18;
    out.push(`<rect x="${String(lx)}" y="${String(ly)}" width="12" height="12" fill="${colors[e] ?? '#999'}"/>`);
    out.push(`<text x="${String(lx + 18)}" y="${String(ly + 10)}">${esc(e)}</text>`);
  });
  out.push(`<text x="${String(left)}" y="${String(top + plotH + 56)}" fill="#555">${esc(`dashed line: hand-written (1x). ${machine()}, ${new Date().toISOString().slice(0, 10)}; a missing bar: engine not run there`)}</text>`);
  out.push('</svg>', '');
  return out.join('\n');
}
