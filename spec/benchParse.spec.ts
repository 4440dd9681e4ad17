import { expect } from 'chai';
import * as E from 'fp-ts/Either';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countBytes } from '../bench/bytes';
import { compile, parseCircuit } from '../lib/index';

// `npm run bench:parse` (bench/parse.ts) at a small scale, in one process:
// before timing anything it checks, wire by wire, that each input's parsed
// circuit is the one its builder makes with the Circuit API (and throws if
// not), so this spec fails when the parser's circuits and the bench's
// builders part ways, or when a figure goes missing.
const ROOT = join(__dirname, '..');

describe('npm run bench:parse, at a small scale', function () {
  this.timeout(120000);

  it('checks every input against the same circuit built with the API, and reports every figure of each', () => {
    const out = execFileSync(process.execPath, ['-r', 'ts-node/register', join(ROOT, 'bench', 'parse.ts'), '--inline', '--scale=0.003', '--runs=1', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    });
    const rows = JSON.parse(out.trim().split('\n').pop() ?? '[]') as Record<string, unknown>[];
    // 1,000 statements (2,001 inputs: w, b and x0; 3 gates each), the same nested, 1,500 products
    // and their sum (3,000 inputs), 375 divisions of 8 wires each and their sum (750 inputs)
    expect(rows.map((r) => [r.name, r.wires, r.gates])).to.deep.equal([
      ['program', 5001, 3000],
      ['nested', 5001, 3000],
      ['sum', 4501, 1501],
      ['division', 3751, 3001],
    ]);
    const figures = [
      'chars', 'parseMs', 'frontMs', 'buildMs', 'parseCompileMs', 'parseNsPerGate', 'parseCompileNsPerGate',
      'parseCompileNsPerWire', 'parseCompileMinNsPerGate', 'buildNsPerGate', 'frontNsPerGate', 'coldNsPerGate', 'jobNsPerGate',
    ];
    for (const r of rows) {
      for (const f of figures) expect(r[f], `${String(r.name)} ${f}`).to.be.a('number').and.satisfy((x: number) => Number.isFinite(x) && x > 0);
      // page faults: a small warm run may take none
      for (const f of ['faults', 'coldFaults', 'jobFaults']) expect(r[f], `${String(r.name)} ${f}`).to.be.a('number').and.satisfy((x: number) => Number.isInteger(x) && x >= 0);
      expect(r.parseCompileMinNsPerGate, String(r.name)).to.be.at.most(r.parseCompileNsPerGate as number);
      expect(r.parseCompileNsPerWire, String(r.name)).to.be.below(r.parseCompileNsPerGate as number);
    }
  });

  /** bench/parse.ts with these arguments (under ts-node), and what it printed. */
  const bench = (args: readonly string[], env: NodeJS.ProcessEnv = process.env) =>
    spawnSync(process.execPath, ['-r', 'ts-node/register', join(ROOT, 'bench', 'parse.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...env, TS_NODE_TRANSPILE_ONLY: 'true' },
    });

  it('says, without a stack trace, that --instructions needs valgrind when there is none', () => {
    const r = bench(['--instructions', '--scale=0.001'], { ...process.env, PATH: '/nonexistent' });
    expect([r.status, r.stdout, r.stderr]).to.deep.equal([1, '', '--instructions needs valgrind (apt-get install valgrind), which was not found\n']);
  });

  it('counts one run as the difference of a process of 2 runs and one of 1 (--instructions, with a stand-in valgrind)', () => {
    // the stand-in runs the command valgrind would, then reports 1,000,000 + 300,000 per run as its count
    const dir = mkdtempSync(join(tmpdir(), 'valgrind-'));
    const script = [
      '#!/bin/sh',
      'if [ "$1" = "--version" ]; then echo valgrind-3.19.0; exit 0; fi',
      'runs=0; for a in "$@"; do case "$a" in --count=*) runs="${a#--count=}";; esac; done',
      'shift 4',
      '"$@" || exit 1',
      'echo "==1== I   refs:      1,$((300 * runs)),000" >&2', // as valgrind writes it: 1,300,000 for one run
    ].join('\n');
    writeFileSync(join(dir, 'valgrind'), `${script}\n`, { mode: 0o755 });
    try {
      const r = bench(['--instructions', '--only=division', '--scale=0.002', '--json'], { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` });
      expect(r.status, r.stderr).to.equal(0);
      // 250 divisions of 8 gates and their sum: 2,001 gates, 2,501 wires
      expect(JSON.parse(r.stdout.trim())).to.deep.equal([
        { name: 'division', wires: 2501, gates: 2001, parseCompileInstructions: 300000, parseCompileInstructionsPerGate: 300000 / 2001, parseCompileInstructionsPerWire: 300000 / 2501 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run bench:parse -- --bytes, at a small scale', function () {
  this.timeout(120000);

  /** What bench/parse.ts printed for these arguments (under ts-node), read as JSON. */
  const json = (args: readonly string[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const node = ['-r', 'ts-node/register', join(ROOT, 'bench', 'parse.ts'), ...args];
      execFile(process.execPath, node, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' } }, (error, stdout, stderr) => {
        if (error === null) resolve(JSON.parse(stdout));
        else reject(new Error(`${error.message}\n${stderr}`));
      });
    });

  it('counts the same bytes in two runs, at least the compiled circuit\'s values and gradients and the parsed circuit\'s record index', async () => {
    // the bench (which runs the count in a child) beside a second child of its own: loading the
    // library under ts-node takes seconds a process, and the second child's row is the first's
    const [first, second] = await Promise.all([json(['--bytes', '--json', '--scale=0.003', '--only=division']), json(['--one=division', '--bytes', '--scale=0.003'])]);
    expect([second]).to.deep.equal(first);
    const [row] = first as { parseBytes: number; compileBytes: number }[];
    const { parseBytes, compileBytes } = row ?? { parseBytes: NaN, compileBytes: NaN };
    const b = parseBytes + compileBytes;
    // 375 divisions of 8 wires each and their sum (750 inputs)
    // (arrays this small are left out of the scratch pool: the next run of the job asks for as many bytes)
    expect(first).to.deep.equal([{ name: 'division', wires: 3751, gates: 3001, parseBytes, compileBytes, bytes: b, bytesPerGate: b / 3001, bytesPerWire: b / 3751, steadyBytes: b, steadyBytesPerGate: b / 3001 }]);
    // the same circuit here: compile allocates its values V and gradients D, 8 bytes a slot each
    // (inputGradients is a view of D), and parseCircuit's circuit an Int32Array of a record index a wire
    const terms: string[] = [];
    for (let i = 0; i < 375; i++) terms.push(`(a${String(i)} + 0.5) / (b${String(i)} * 0.25 - 3)`);
    const parsed = parseCircuit(terms.join(' + '));
    if (E.isLeft(parsed)) throw new Error(parsed.left.message);
    const D = compile(parsed.right.circuit).inputGradients.buffer.byteLength;
    expect(compileBytes).to.be.at.least(2 * D);
    expect(parseBytes).to.be.at.least(4 * 3751);
  });

  it('counts fewer bytes for a job\'s second parse and compile once the arrays are big enough for the scratch pool, but the compiled values and gradients', async () => {
    // 6,250 divisions: 50,001 gates
    const [row] = (await json(['--bytes', '--json', '--scale=0.05', '--only=division'])) as { bytes: number; steadyBytes: number; gates: number }[];
    const terms: string[] = [];
    for (let i = 0; i < 6250; i++) terms.push(`(a${String(i)} + 0.5) / (b${String(i)} * 0.25 - 3)`);
    const parsed = parseCircuit(terms.join(' + '));
    if (E.isLeft(parsed)) throw new Error(parsed.left.message);
    const D = compile(parsed.right.circuit).inputGradients.buffer.byteLength;
    expect(row?.gates).to.equal(50001);
    expect(row?.steadyBytes).to.be.below((row?.bytes ?? 0) / 2);
    expect(row?.steadyBytes).to.be.at.least(2 * D);
  });
});

describe('countBytes (bench/bytes.ts, for bench:parse --bytes)', () => {
  it('counts the bytes of each typed array made, and none for a view', () => {
    const counter = countBytes();
    const counts: number[] = [];
    try {
      const a = new Int32Array(10);
      counts.push(counter.bytes);
      a.subarray(2);
      new Float64Array(a.buffer, 8, 2);
      counts.push(counter.bytes);
      a.slice();
      counts.push(counter.bytes);
      Float64Array.from([1, 2, 3]);
      new Uint8Array([1, 2]);
      a.map((x) => x + 1);
      counts.push(counter.bytes);
      // a buffer made on its own counts (the scratch pool's arrays are views of such), its views do not
      const b = new ArrayBuffer(64);
      new Int32Array(b, 0, 4);
      counts.push(counter.bytes);
      expect([a instanceof Int32Array, Object.prototype.toString.call(a), a.constructor.name]).to.deep.equal([true, '[object Int32Array]', 'Int32Array']);
      // every buffer is still an ArrayBuffer to `instanceof`, one made inside a typed array too
      expect([b instanceof ArrayBuffer, a.buffer instanceof ArrayBuffer, ArrayBuffer.name]).to.deep.equal([true, true, 'ArrayBuffer']);
    } finally {
      counter.uninstall();
    }
    new Int32Array(10);
    new ArrayBuffer(8);
    expect([...counts, counter.bytes]).to.deep.equal([40, 40, 80, 80 + 24 + 2 + 40, 146 + 64, 210]);
  });
});
