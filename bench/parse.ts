/**
 * How fast `parseCircuit` is on million-gate inputs, and how much of that is
 * the parser's own work: for each input, the median time of `parseCircuit`,
 * of `compile(parseCircuit(text))`, and of building the identical circuit
 * directly with the Circuit API
 * (checked identical wire by wire once, outside the timing). Each input runs
 * in a process of its own, after one warm-up run. Beside the times, the
 * minor page faults of one `compile(parseCircuit(text))` (`faults`, the
 * median of the runs'), as a page fault costs about 14 µs on this VM (a
 * quarter to a third of a warm run here), and the time and faults of the
 * process's first `compile(parseCircuit(text))`, before any warm-up or check
 * (`coldNsPerGate`, `coldFaults`: what a program that parses once pays; with
 * `--inline`, only the first input's is the process's first). The timed runs
 * share one job (the synchronous code of the measurement), as a program
 * that parses many programs in a loop does, so the scratch pool
 * (lib/scratch.ts) carries memory from one to the next; `jobNsPerGate` and
 * `jobFaults` are runs each in a job of its own after a full collection,
 * which leaves the pool empty, as a server's requests may.
 *
 *   npm run bench:parse -- [options], or: npm run build && node --expose-gc dist/bench/parse.js [--runs=7] [--only=program,...] [--json] [--scale=1] [--no-check] [--cpu] [--inline] [--instructions] [--bytes]
 *
 * `--instructions` counts instead of timing: the machine instructions one
 * `compile(parseCircuit(text))` executes after a warm-up run, counted by
 * valgrind (`apt-get install valgrind`; not needed otherwise). The count is
 * the same from one run to the next (to about 0.5%), where times here move
 * 1.5x within minutes, so it tells whether a change did less work. It counts
 * every thread of V8 run on one (`--single-threaded`: the optimising
 * compiler and the garbage collector included), not cache misses or page
 * faults, and valgrind runs the program about 50 times slower.
 *
 * `--bytes` counts bytes instead: those of the typed arrays one
 * `compile(parseCircuit(text))` allocates after a warm-up run, split into
 * `parseCircuit` and `compile`, in a process per input whose global
 * typed-array constructors count each new array (bench/bytes.ts; a view
 * counts nothing): with the scratch pool empty (lib/scratch.ts; what a job's
 * first parse and compile ask for, all their arrays), and again right after
 * (steady: what each later one of the same job asks for, the pool giving
 * the rest). Memory the OS hands out fresh costs a page fault a 4 KiB page,
 * about 14 µs on this VM (some 3.5 ms a MB), and unlike a time the count is
 * the same in every run.
 *
 * Inputs (about 1,000,000 gates each at --scale=1):
 * - `program`: 333,334 statements `var x1 = max(w0 * x0 + b0, 0);` (mul, add, relu);
 * - `nested`:  the same chain as one nested expression `max(w333333 * max(... , 0) + b333333, 0)`;
 * - `sum`:     `a0*b0 + a1*b1 + ...`, 500,000 products and one add;
 * - `division`: 125,000 terms `(a0 + 0.5) / (b0 * 0.25 - 3)` (8 gates each, 3 of them constants), added.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as E from 'fp-ts/Either';
import type * as Lib from '../lib/index';
import type { Circuit, Wire } from '../lib/index';
import type * as Syntax from '../lib/parse/syntax';
import type * as Scratch from '../lib/scratch';
import { countBytes, type ByteCounter } from './bytes';

/**
 * The library, loaded on first use instead of by an import: a `--bytes`
 * child installs its counting typed-array constructors before the library
 * loads (so that every typed array it makes, at load too, is of one class
 * for `instanceof`), and a process that only starts others never loads it.
 */
function lib(): typeof Lib {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an import would load the library before anything else runs
  return (loaded ??= require('../lib/index') as typeof Lib);
}
let loaded: typeof Lib | undefined; // (lib() is called in timed code: a require would resolve the path each time)

/** The parser's front end, loaded as {@link lib} is. */
function syntax(): typeof Syntax {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as in lib()
  return require('../lib/parse/syntax') as typeof Syntax;
}

/** The scratch pool (lib/scratch.ts), loaded as {@link lib} is. */
function scratchPool(): typeof Scratch {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as in lib()
  return require('../lib/scratch') as typeof Scratch;
}

/** A new empty circuit. */
const newCircuit = (): Circuit => new (lib().Circuit)();

interface Input {
  readonly name: string;
  /** The program text. */
  text(): string;
  /** The same circuit, built directly. */
  build(): Circuit;
}

function program(steps: number): Input {
  return {
    name: 'program',
    text() {
      const lines: string[] = [];
      for (let k = 0; k < steps; k++) lines.push(`var x${String(k + 1)} = max(w${String(k)} * x${String(k)} + b${String(k)}, 0);`);
      return lines.join('\n');
    },
    build() {
      const c = newCircuit();
      // the parser declares every input first, in order of first use: w0 x0 b0 w1 b1 ...
      const w: Wire[] = [];
      const b: Wire[] = [];
      w.push(c.input('w0'));
      let x = c.input('x0');
      b.push(c.input('b0'));
      for (let k = 1; k < steps; k++) {
        w.push(c.input(`w${String(k)}`));
        b.push(c.input(`b${String(k)}`));
      }
      for (let k = 0; k < steps; k++) x = c.relu(c.add([c.mul(w[k]!, x), b[k]!]), `x${String(k + 1)}`);
      return c;
    },
  };
}

function nested(steps: number): Input {
  return {
    name: 'nested',
    text() {
      const parts: string[] = [];
      for (let k = steps - 1; k >= 0; k--) parts.push(`max(w${String(k)} * `);
      parts.push('x0');
      for (let k = 0; k < steps; k++) parts.push(` + b${String(k)}, 0)`);
      return parts.join('');
    },
    build() {
      const c = newCircuit();
      // order of first use: w(steps-1) ... w0, x0, b0 ... b(steps-1)
      const w: Wire[] = new Array<Wire>(steps);
      for (let k = steps - 1; k >= 0; k--) w[k] = c.input(`w${String(k)}`);
      let x = c.input('x0');
      const b: Wire[] = [];
      for (let k = 0; k < steps; k++) b.push(c.input(`b${String(k)}`));
      for (let k = 0; k < steps; k++) x = c.relu(c.add([c.mul(w[k]!, x), b[k]!]), k === steps - 1 ? 'x' : undefined);
      return c;
    },
  };
}

function sum(terms: number): Input {
  return {
    name: 'sum',
    text() {
      const parts: string[] = [];
      for (let i = 0; i < terms; i++) parts.push(`a${String(i)}*b${String(i)}`);
      return parts.join(' + ');
    },
    build() {
      const { c, a, b } = pairs(terms);
      const products: Wire[] = [];
      for (let i = 0; i < terms; i++) products.push(c.mul(a[i]!, b[i]!));
      c.add(products, 'x');
      return c;
    },
  };
}

/** A circuit with the inputs a0, b0, a1, b1, ... (the parser declares them in order of first use). */
function pairs(terms: number): { c: Circuit; a: Wire[]; b: Wire[] } {
  const c = newCircuit();
  const a: Wire[] = [];
  const b: Wire[] = [];
  for (let i = 0; i < terms; i++) {
    a.push(c.input(`a${String(i)}`));
    b.push(c.input(`b${String(i)}`));
  }
  return { c, a, b };
}

function division(terms: number): Input {
  return {
    name: 'division',
    text() {
      const parts: string[] = [];
      for (let i = 0; i < terms; i++) parts.push(`(a${String(i)} + 0.5) / (b${String(i)} * 0.25 - 3)`);
      return parts.join(' + ');
    },
    build() {
      const { c, a, b } = pairs(terms);
      const quotients: Wire[] = [];
      for (let i = 0; i < terms; i++) {
        const num = c.add([a[i]!, c.constant(0.5)]);
        const den = c.sub(c.mul(b[i]!, c.constant(0.25)), c.constant(3));
        quotients.push(c.mul(num, c.reciprocal(den)));
      }
      c.add(quotients, 'x');
      return c;
    },
  };
}

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const runs = Number(option('runs') ?? '7');
const scale = Number(option('scale') ?? '1');
const cpu = args.includes('--cpu');
const INPUTS: readonly Input[] = [
  program(Math.round(333_334 * scale)),
  nested(Math.round(333_334 * scale)),
  sum(Math.round(500_000 * scale)),
  division(Math.round(125_000 * scale)),
];

interface Figures {
  name: string;
  wires: number;
  gates: number;
  chars: number;
  parseMs: number;
  /** The parser's front end alone: text to numbered names and postfix nodes, no circuit. */
  frontMs: number;
  buildMs: number;
  /** `compile(parseCircuit(text))`: the target, under 1 µs per gate. */
  parseCompileMs: number;
  parseNsPerGate: number;
  parseCompileNsPerGate: number;
  /** The same per wire (inputs and gates): the inputs' names are read, checked and hashed too. */
  parseCompileNsPerWire: number;
  /** The fastest of the runs, per gate: how fast it goes when the shared machine is quiet. */
  parseCompileMinNsPerGate: number;
  /** Minor page faults of one `compile(parseCircuit(text))`, the median of the runs': about 14 µs each here, for memory the OS hands out fresh. */
  faults: number;
  /**
   * The process's first `compile(parseCircuit(text))`, before any warm-up
   * or check, per gate: what a program that parses once pays (with
   * --inline, only the first input's run is the process's first).
   */
  coldNsPerGate: number;
  /** Its minor page faults. */
  coldFaults: number;
  /** The median of runs each in a job of its own, after a full collection (the scratch pool empty), per gate. */
  jobNsPerGate: number;
  /** Their median minor page faults. */
  jobFaults: number;
  buildNsPerGate: number;
  parserOnlyNsPerGate: number;
  frontNsPerGate: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1]!;
};

const gc = (): void => {
  (globalThis as { gc?: () => void }).gc?.();
};

/**
 * Milliseconds `f` takes: wall time, or with --cpu the process's CPU time
 * (then the workers run with a single-threaded GC, so that it is the work
 * of one thread), which a busy machine disturbs less; and the minor page
 * faults the process takes meanwhile (the collector's threads' too).
 */
function timed(f: () => unknown): { ms: number; faults: number } {
  gc();
  const faults = process.resourceUsage().minorPageFault;
  let ms: number;
  if (cpu) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    ms = (c.user + c.system) / 1e3;
  } else {
    const t0 = process.hrtime.bigint();
    f();
    ms = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return { ms, faults: process.resourceUsage().minorPageFault - faults };
}

/** Milliseconds `f` takes (see {@link timed}). */
const time = (f: () => unknown): number => timed(f).ms;

function parseOrThrow(text: string): Circuit {
  const r = lib().parseCircuit(text);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right.circuit;
}

/**
 * Checks that the parsed circuit is the built one, wire by wire (--no-check:
 * sizes only), and gives its size. The two circuits are garbage afterwards,
 * so that the timed runs do not carry them: a collection's pause grows with
 * what is alive, and a user parsing a program does not hold two copies of it.
 */
function check(input: Input, text: string): { wires: number; gates: number } {
  const parsed = parseOrThrow(text);
  const built = input.build();
  if (parsed.size !== built.size) throw new Error(`${input.name}: parsed ${String(parsed.size)} wires, built ${String(built.size)}`);
  for (let i = 0; i < parsed.size && !args.includes('--no-check'); i++) {
    if (parsed.describe(i) !== built.describe(i)) throw new Error(`${input.name}: wire ${String(i)} is ${parsed.describe(i)} parsed, ${built.describe(i)} built`);
  }
  return { wires: parsed.size, gates: parsed.size - parsed.inputNames.length };
}

async function measure(input: Input): Promise<Figures> {
  const text = input.text();
  const { compile } = lib();
  // the process's first parse+compile (with --inline, only the first input's is), before the check
  const cold = timed(() => compile(parseOrThrow(text)));
  const { wires, gates } = check(input, text);
  const parseTimes: number[] = [];
  const frontTimes: number[] = [];
  const buildTimes: number[] = [];
  const parseCompileTimes: number[] = [];
  const parseCompileFaults: number[] = [];
  const { parseProgram } = syntax();
  // alternate, so that a noisy moment hits all four
  for (let r = 0; r < runs; r++) {
    buildTimes.push(time(() => input.build()));
    parseTimes.push(time(() => parseOrThrow(text)));
    // (its arrays handed back after the timing, as parseCircuit hands them back: otherwise this run takes the
    // scratch pool's buffers and keeps them from the runs after it)
    let front: ReturnType<typeof parseProgram> | undefined;
    frontTimes.push(time(() => (front = parseProgram(text))));
    if (front?.ok === true) {
      syntax().releaseProgram(front.value);
      scratchPool().release(front.value.scratch);
    }
    const { ms, faults } = timed(() => compile(parseOrThrow(text)));
    parseCompileTimes.push(ms);
    parseCompileFaults.push(faults);
  }
  // runs each in a job of its own: the job ends (the scratch pool's buffers are the collector's then), a full collection
  const jobTimes: number[] = [];
  const jobFaults: number[] = [];
  for (let r = 0; r < runs; r++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    const { ms, faults } = timed(() => compile(parseOrThrow(text)));
    jobTimes.push(ms);
    jobFaults.push(faults);
  }
  const parseCompileMs = median(parseCompileTimes);
  const parseMs = median(parseTimes);
  const frontMs = median(frontTimes);
  const buildMs = median(buildTimes);
  return {
    name: input.name,
    wires,
    gates,
    chars: text.length,
    parseMs,
    frontMs,
    buildMs,
    parseCompileMs,
    parseNsPerGate: (parseMs * 1e6) / gates,
    parseCompileNsPerGate: (parseCompileMs * 1e6) / gates,
    parseCompileNsPerWire: (parseCompileMs * 1e6) / wires,
    parseCompileMinNsPerGate: (Math.min(...parseCompileTimes) * 1e6) / gates,
    faults: median(parseCompileFaults),
    coldNsPerGate: (cold.ms * 1e6) / gates,
    coldFaults: cold.faults,
    jobNsPerGate: (median(jobTimes) * 1e6) / gates,
    jobFaults: median(jobFaults),
    buildNsPerGate: (buildMs * 1e6) / gates,
    parserOnlyNsPerGate: ((parseMs - buildMs) * 1e6) / gates,
    frontNsPerGate: (frontMs * 1e6) / gates,
  };
}

/**
 * For `--instructions`, in a process of its own under valgrind: a warm-up
 * run, then `count` runs of `compile(parseCircuit(text))`, each after a full
 * collection. The difference of the counts for 2 runs and 1 is one run.
 */
function repeat(input: Input, count: number): void {
  const text = input.text();
  const { compile } = lib();
  compile(parseOrThrow(text));
  for (let r = 0; r < count; r++) {
    gc();
    compile(parseOrThrow(text));
  }
}

/** How many instructions a process running `repeat(input, count)` executes, by valgrind. */
function instructionsOf(input: Input, count: number): Promise<number> {
  const valgrind = ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', '--smc-check=all-non-file'];
  // (process.execArgv: under ts-node, as the spec runs it, the child needs its `-r ts-node/register`)
  const node = [...process.execArgv, '--expose-gc', '--single-threaded', '--max-old-space-size=4096', __filename, `--one=${input.name}`, `--count=${String(count)}`, `--scale=${String(scale)}`];
  return new Promise((resolve, reject) => {
    execFile('valgrind', [...valgrind, process.execPath, ...node], { encoding: 'utf8', maxBuffer: 1 << 26 }, (error, _stdout, stderr) => {
      const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr)?.[1];
      if (error !== null || refs === undefined) reject(new Error(`valgrind on ${input.name} failed: ${error?.message ?? stderr.slice(-500)}`));
      else resolve(Number(refs.replaceAll(',', '')));
    });
  });
}

interface Counts {
  name: string;
  wires: number;
  gates: number;
  /** Instructions of one `compile(parseCircuit(text))` after a warm-up run. */
  parseCompileInstructions: number;
  parseCompileInstructionsPerGate: number;
  parseCompileInstructionsPerWire: number;
}

async function count(input: Input): Promise<Counts> {
  const { wires, gates } = check(input, input.text());
  // the two processes side by side (valgrind runs one thread each)
  const [once, twice] = await Promise.all([instructionsOf(input, 1), instructionsOf(input, 2)]);
  const n = twice - once;
  return { name: input.name, wires, gates, parseCompileInstructions: n, parseCompileInstructionsPerGate: n / gates, parseCompileInstructionsPerWire: n / wires };
}

interface Bytes {
  name: string;
  wires: number;
  gates: number;
  /** Bytes of the typed arrays `parseCircuit(text)` allocates. */
  parseBytes: number;
  /** Bytes of the typed arrays `compile` allocates for the parsed circuit. */
  compileBytes: number;
  /** The two together: one `compile(parseCircuit(text))`. */
  bytes: number;
  bytesPerGate: number;
  bytesPerWire: number;
  /** The bytes of the next `compile(parseCircuit(text))` of the same job: the arrays the scratch pool cannot give. */
  steadyBytes: number;
  steadyBytesPerGate: number;
}

/**
 * For `--bytes`, in a process of its own whose typed-array constructors
 * count (installed before the library loaded): the bytes of typed arrays one
 * `compile(parseCircuit(text))` allocates after a warm-up run, by stage.
 */
function bytesOf(input: Input, counter: ByteCounter): Bytes {
  const text = input.text();
  const { wires, gates } = check(input, text);
  const { compile } = lib();
  compile(parseOrThrow(text));
  scratchPool().drain();
  counter.bytes = 0;
  const circuit = parseOrThrow(text);
  const parseBytes = counter.bytes;
  compile(circuit);
  const bytes = counter.bytes;
  counter.bytes = 0;
  compile(parseOrThrow(text));
  const steadyBytes = counter.bytes;
  return {
    name: input.name, wires, gates, parseBytes, compileBytes: bytes - parseBytes, bytes, bytesPerGate: bytes / gates, bytesPerWire: bytes / wires,
    steadyBytes, steadyBytesPerGate: steadyBytes / gates,
  };
}

/** {@link bytesOf} the input, in a child process (`--one=name --bytes`). */
function bytesInChild(input: Input): Bytes {
  // (process.execArgv: under ts-node, as the spec runs it, the child needs its `-r ts-node/register`)
  const node = [...process.execArgv, '--max-old-space-size=4096', __filename, `--one=${input.name}`, '--bytes', `--scale=${String(scale)}`, ...args.filter((a) => a === '--no-check')];
  return JSON.parse(execFileSync(process.execPath, node, { encoding: 'utf8' })) as Bytes;
}

/** The input `--one` names (a child process's). */
function inputNamed(name: string): Input {
  const input = INPUTS.find((i) => i.name === name);
  if (input === undefined) throw new Error(`no input ${name}`);
  return input;
}

const one = option('one');
const repeats = option('count');
if (one !== undefined && args.includes('--bytes')) {
  // before anything loads the library
  const counter = countBytes();
  process.stdout.write(`${JSON.stringify(bytesOf(inputNamed(one), counter))}\n`);
} else if (one !== undefined && repeats !== undefined) {
  repeat(inputNamed(one), Number(repeats));
} else if (args.includes('--instructions')) {
  void (async () => {
    try {
      execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    } catch {
      console.error('--instructions needs valgrind (apt-get install valgrind), which was not found');
      process.exit(1);
    }
    const only = option('only')?.split(',');
    const rows: Counts[] = [];
    for (const input of INPUTS) if (only === undefined || only.includes(input.name)) rows.push(await count(input));
    if (args.includes('--json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
    else {
      console.log('instructions of one compile(parseCircuit(text)) after a warm-up run (valgrind, V8 on one thread)');
      console.log('input       wires     gates   millions  per gate  per wire');
      for (const r of rows) {
        console.log(
          `${r.name.padEnd(9)} ${String(r.wires).padStart(8)} ${String(r.gates).padStart(9)} ${(r.parseCompileInstructions / 1e6).toFixed(0).padStart(10)} ${r.parseCompileInstructionsPerGate.toFixed(0).padStart(9)} ${r.parseCompileInstructionsPerWire.toFixed(0).padStart(9)}`,
        );
      }
    }
  })().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
} else if (args.includes('--bytes')) {
  const only = option('only')?.split(',');
  const rows = INPUTS.filter((i) => only === undefined || only.includes(i.name)).map(bytesInChild);
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
  else {
    const mb = (x: number): string => (x / 1e6).toFixed(1).padStart(8);
    console.log('bytes of the typed arrays one compile(parseCircuit(text)) allocates after a warm-up run (the same in every run), by stage,');
    console.log('with the scratch pool empty (a job\'s first one), and steady: the next one of the same job, the pool giving the rest; MB = 10^6 bytes');
    console.log('input       wires     gates  parse MB  compile MB  total MB  per gate  per wire  steady MB  steady/gate');
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(9)} ${String(r.wires).padStart(8)} ${String(r.gates).padStart(9)}  ${mb(r.parseBytes)}    ${mb(r.compileBytes)}  ${mb(r.bytes)}  ${r.bytesPerGate.toFixed(1).padStart(8)}  ${r.bytesPerWire.toFixed(1).padStart(8)}   ${mb(r.steadyBytes)}     ${r.steadyBytesPerGate.toFixed(1).padStart(8)}`,
      );
    }
  }
} else if (one !== undefined) {
  void measure(inputNamed(one)).then((figures) => process.stdout.write(`${JSON.stringify(figures)}\n`));
} else {
  void table();
}

/** The timed table: each input in a process of its own (or, with --inline, in this one). */
async function table(): Promise<void> {
  const only = option('only')?.split(',');
  const rows: Figures[] = [];
  for (const input of INPUTS) {
    if (only !== undefined && !only.includes(input.name)) continue;
    // --inline: in this process (for the spec, at a small --scale; the figures then carry the other inputs' garbage)
    if (args.includes('--inline')) {
      rows.push(await measure(input));
      continue;
    }
    const out = execFileSync(
      process.execPath,
      [
        '--expose-gc',
        '--max-old-space-size=4096',
        ...(cpu ? ['--single-threaded-gc'] : []),
        __filename,
        `--one=${input.name}`,
        `--runs=${String(runs)}`,
        `--scale=${String(scale)}`,
        ...args.filter((a) => a === '--no-check' || a === '--cpu'),
      ],
      { encoding: 'utf8' },
    );
    rows.push(JSON.parse(out) as Figures);
  }
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
  else {
    const f = (x: number): string => x.toFixed(0).padStart(8);
    console.log(`median of ${String(runs)} runs (${cpu ? 'CPU time, single-threaded GC' : 'wall time'}); ns per gate (gates = wires that are not inputs)`);
    console.log('parse: parseCircuit; build: the same circuit with the Circuit API; parser-only: parse - build; front: parseProgram alone (no circuit);');
    console.log('parse+compile: compile(parseCircuit(text)), the target being under 1,000 ns per gate (the fastest of the runs beside it)');
    console.log('faults: minor page faults of one parse+compile (about 14 µs each here); cold: the process\'s first parse+compile, before any warm-up;');
    console.log('job: parse+compile in a job of its own after a full collection (the scratch pool empty; median)');
    console.log('input       wires     gates  parse ms  build ms  front ms   parse/g   build/g  parser-only/g  front/g  parse+compile/g  parse+compile/wire  (fastest run)/g    faults    cold/g  cold faults     job/g  job faults');
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(9)} ${String(r.wires).padStart(8)} ${String(r.gates).padStart(9)} ${f(r.parseMs)}  ${f(r.buildMs)}  ${f(r.frontMs)}  ${f(r.parseNsPerGate)}  ${f(r.buildNsPerGate)}  ${f(r.parserOnlyNsPerGate)}       ${f(r.frontNsPerGate)}  ${f(r.parseCompileNsPerGate)}         ${f(r.parseCompileNsPerWire)}      ${f(r.parseCompileMinNsPerGate)}  ${f(r.faults)}  ${f(r.coldNsPerGate)}     ${f(r.coldFaults)}  ${f(r.jobNsPerGate)}  ${f(r.jobFaults)}`,
      );
    }
  }
}
