import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { main, type CliIo } from '../../lib/cli/main';
import { EXAMPLES, args } from './examples';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'lib', 'cli', 'main.js');

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly files: Map<string, string>;
}

/** Runs `backprop argv...` in-process, with files and stdin in memory. */
async function backprop(argv: readonly string[], files: Readonly<Record<string, string>> = {}, stdin = ''): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const store = new Map(Object.entries(files));
  const io: CliIo = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    readFile: (path) => {
      const text = store.get(path);
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    writeFile: (path, text) => {
      if (path.startsWith('/nonexistent/')) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      store.set(path, text);
    },
    readStdin: () => stdin,
  };
  const status = await main(argv, io);
  return { status, stdout, stderr, files: store };
}

/** The one line on stderr of a run that must fail with status 2. */
async function mistake(argv: readonly string[], files: Readonly<Record<string, string>> = {}): Promise<string> {
  const r = await backprop(argv, files);
  expect(r.status, `status of backprop ${argv.join(' ')}`).to.equal(2);
  expect(r.stdout, 'nothing on stdout').to.equal('');
  expect(r.stderr).not.to.match(/\n\s+at /); // never a stack trace
  return r.stderr;
}

const close = (actual: number | undefined, expected: number, what: string): void => {
  expect(actual, what).to.be.a('number');
  expect(actual, what).to.be.closeTo(expected, 1e-12 * Math.max(1, Math.abs(expected)));
};

/** Runs printed JavaScript with the inputs (and sig) defined; returns every input's gradient variable. */
function runPrinted(js: string, point: Readonly<Record<string, number>>): Record<string, number> {
  const names = Object.keys(point);
  const grad = (n: string): string => (/\bgrad_/.test(js) ? `grad_${n}` : `d${n}`);
  const sig = (q: number): number => (q >= 0 ? 1 / (1 + Math.exp(-q)) : Math.exp(q) / (1 + Math.exp(q)));
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const f = new Function(...names, 'sig', `${js}\nreturn { ${names.map((n) => `${JSON.stringify(n)}: ${grad(n)}`).join(', ')} };`) as (...xs: unknown[]) => Record<string, number>;
  return f(...names.map((n) => point[n]), sig);
}

describe('backprop (the command line)', () => {
  describe('every chapter example', () => {
    for (const ex of EXAMPLES) {
      describe(ex.title, () => {
        it('grad --json: the value and every input\'s gradient, as the chapter\'s formulas give them', async () => {
          const r = await backprop(['grad', ex.program, ...args(ex.point), '--json']);
          expect(r.status).to.equal(0);
          const out = JSON.parse(r.stdout) as { value: number; gradients: Record<string, number> };
          expect(r.stdout.trim().split('\n')).to.have.length(1);
          close(out.value, ex.value, 'value');
          expect(Object.keys(out.gradients).sort()).to.deep.equal(Object.keys(ex.gradients).sort());
          for (const [k, g] of Object.entries(ex.gradients)) close(out.gradients[k], g, `d${k}`);
        });

        it('grad: a table with every wire, named as in the program, and the upstream gradient scaling every gradient', async () => {
          const r = await backprop(['grad', ex.program, ...args(ex.point), '--upstream=-2']);
          expect(r.status).to.equal(0);
          const rows = r.stdout.trimEnd().split('\n');
          expect(rows[0]).to.match(/^wire\s+expression\s+value\s+gradient$/);
          const last = rows[rows.length - 1]?.split(/\s+/) ?? [];
          expect(last[0]).to.equal(ex.output);
          expect(last[last.length - 1]).to.equal('-2');
          const json = JSON.parse((await backprop(['grad', ex.program, ...args(ex.point), '--upstream=-2', '--json'])).stdout) as { gradients: Record<string, number> };
          for (const [k, g] of Object.entries(ex.gradients)) close(json.gradients[k], -2 * g, `d${k} with upstream -2`);
        });

        it('check: every input passes (or is a kink), with the analytic gradients', async () => {
          const r = await backprop(['check', ex.program, ...args(ex.point), '--json']);
          expect(r.status).to.equal(0);
          const report = JSON.parse(r.stdout) as { ok: boolean; checks: { input: string; analytic: number; status: string }[] };
          expect(report.ok).to.equal(true);
          for (const c of report.checks) {
            expect(c.status, c.input).to.equal('pass');
            close(c.analytic, ex.gradients[c.input] ?? NaN, `analytic d${c.input}`);
          }
          const text = await backprop(['check', ex.program, ...args(ex.point)]);
          expect(text.stdout).to.match(/\nok: \d+ pass, 0 kink, 0 fail/);
        });

        it('code: the printed JavaScript and TypeScript run, and give the library\'s gradients', async () => {
          const js = (await backprop(['code', ex.program])).stdout;
          expect(js).to.contain('// backward pass\n');
          for (const [k, g] of Object.entries(runPrinted(js, ex.point))) close(g, ex.gradients[k] ?? NaN, `printed d${k}`);
          const tsCode = (await backprop(['code', ex.program, '--lang', 'ts'])).stdout;
          const out = ts.transpileModule(tsCode, { compilerOptions: { target: ts.ScriptTarget.ES2022 }, reportDiagnostics: true });
          expect(out.diagnostics ?? []).to.have.length(0);
          for (const [k, g] of Object.entries(runPrinted(out.outputText, ex.point))) close(g, ex.gradients[k] ?? NaN, `printed TS d${k}`);
          const fn = (await backprop(['code', ex.program, '--function', '--upstream=3'])).stdout;
          // eslint-disable-next-line @typescript-eslint/no-implied-eval
          const make = new Function(`${fn}\nreturn backprop;`) as () => (...xs: number[]) => { value: number; gradients: Record<string, number> };
          const backpropFn = make();
          const params = /^function backprop\(([^)]*)\)/.exec(fn)?.[1]?.split(', ') ?? [];
          expect(params.slice(0, -1).sort()).to.deep.equal(Object.keys(ex.point).sort());
          const result = backpropFn(...params.slice(0, -1).map((p) => ex.point[p] ?? NaN), 3);
          close(result.value, ex.value, 'function value');
          for (const [k, g] of Object.entries(ex.gradients)) close(result.gradients[k], 3 * g, `function d${k}`);
        });

        it('graph: a node per gate and per wire, labelled with values and gradients', async () => {
          const dot = await backprop(['graph', ex.program, ...args(ex.point), '--format=dot']);
          expect(dot.status).to.equal(0);
          expect(dot.stdout.match(/^ {2}g\d+ \[shape=circle/gm) ?? []).to.have.length(ex.gates);
          expect(dot.stdout).to.contain(`<b>${ex.output}</b>`);
          const mermaid = await backprop(['graph', ex.program, ...args(ex.point), '--format', 'mermaid']);
          expect(mermaid.stdout.match(/^ {2}g\d+\(\(/gm) ?? []).to.have.length(ex.gates);
        });
      });
    }
  });

  describe('programs pasted from the chapter with their backward pass', () => {
    it('notes that the program\'s own backward pass is not read', async () => {
      const r = await backprop(['grad', 'var x = a * b;\n// and given gradient on x (dx), we saw that in backprop we would compute:\nvar da = b * dx;\nvar db = a * dx;', 'a=-2', 'b=3']);
      expect(r.status).to.equal(0);
      expect(r.stderr).to.equal("note: the program's own backward pass (from line 3, column 1) is not read; backprop computes the gradients itself\n");
    });
  });

  describe('sources', () => {
    it('reads a program from a file or standard input', async () => {
      const program = 'var x1 = a * b + c;\nvar x2 = x1 * d;\nvar x = x2 * x2;\n';
      const fromFile = await backprop(['grad', '--file', 'pow.js', 'a=1', 'b=2', 'c=3', 'd=4', '--json'], { 'pow.js': program });
      expect(JSON.parse(fromFile.stdout)).to.deep.equal({ value: 400, gradients: { a: 320, b: 160, c: 160, d: 200 } });
      const fromStdin = await backprop(['grad', '-', 'a=1', 'b=2', 'c=3', 'd=4', '--json'], {}, program);
      expect(fromStdin.stdout).to.equal(fromFile.stdout);
    });

    it('writes a circuit file with json, and reads it back with --circuit for every command', async () => {
      const saved = await backprop(['json', 'var q = a * x + b * y + c; var f = sig(q);', '-o', 'neuron.json']);
      expect(saved.status).to.equal(0);
      const files = { 'neuron.json': saved.files.get('neuron.json') ?? '' };
      expect((JSON.parse(files['neuron.json']) as { outputs: string[] }).outputs).to.deep.equal(['f']);
      const point = ['a=1', 'b=2', 'c=-3', 'x=-1', 'y=3'];
      const direct = await backprop(['grad', 'var q = a * x + b * y + c; var f = sig(q);', ...point, '--json']);
      expect((await backprop(['grad', '--circuit', 'neuron.json', ...point, '--json'], files)).stdout).to.equal(direct.stdout);
      expect((await backprop(['check', '--circuit', 'neuron.json', ...point], files)).status).to.equal(0);
      expect((await backprop(['code', '--circuit', 'neuron.json'], files)).stdout).to.equal((await backprop(['code', 'var q = a * x + b * y + c; var f = sig(q);'])).stdout);
      expect((await backprop(['graph', '--circuit', 'neuron.json', '--format=dot'], files)).status).to.equal(0);
    });

    it('differentiates a circuit file\'s output even when gates follow it', async () => {
      const file = JSON.stringify({ inputs: ['a'], gates: [{ type: 'NegateGate', inputs: ['a'], name: 'y' }, { type: 'PowGate', inputs: ['a'], exponent: 2 }], outputs: ['y'] });
      const r = await backprop(['grad', '--circuit', 'f.json', 'a=3', '--json'], { 'f.json': file });
      expect(JSON.parse(r.stdout)).to.deep.equal({ value: -3, gradients: { a: -1 } });
    });

    it('writes a picture to a file, choosing the format from its extension', async () => {
      const r = await backprop(['graph', 'a * b', 'a=1', 'b=2', '-o', 'x.dot']);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.equal('backprop graph: wrote x.dot\n');
      expect(r.files.get('x.dot')).to.match(/^digraph circuit \{/);
      expect((await backprop(['graph', 'a * b', '-o', 'x.mmd'])).files.get('x.mmd')).to.match(/^flowchart LR\n/);
    });
  });

  describe('exit status 1 when a gradient check fails', () => {
    it('relu(a) - relu(-a) is a, slope 1, but both ReLUs pass 0 back at a = 0', async () => {
      const r = await backprop(['check', 'relu(a) - relu(-a)', 'a=0']);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.contain('a          0         0        1          1          1  fail');
      expect(r.stdout).to.match(/\nFAILED: 0 pass, 0 kink, 1 fail/);
    });
  });

  describe('help', () => {
    it('has --help on every command, with examples from the chapter', async () => {
      for (const command of ['grad', 'check', 'code', 'graph', 'json']) {
        for (const argv of [[command, '--help'], [command, '-h'], ['help', command]]) {
          const r = await backprop(argv);
          expect(r.status).to.equal(0);
          expect(r.stdout).to.match(new RegExp(`^Usage: backprop ${command} `));
          expect(r.stdout).to.contain('Example');
        }
      }
      const general = await backprop(['--help']);
      expect(general.stdout).to.contain('backprop grad \'a * b\' a=-2 b=3');
    });

    it('prints the usage on stderr, with status 2, when there is no command', async () => {
      const r = await backprop([]);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.match(/^backprop: the chapter/);
    });
  });

  describe('every mistake: status 2 and one message on stderr, never a stack trace', () => {
    const cases: readonly (readonly [string, readonly string[], string, Readonly<Record<string, string>>?])[] = [
      ['a malformed expression', ['grad', 'a * )', 'a=1'], 'backprop grad: line 1, column 5: expected a number, a name or "(" after "*", got ")"\n  a * )\n      ^\n'],
      ['an empty expression', ['grad', ''], 'backprop grad: line 1, column 1: the expression is empty: nothing to compute\n  \n  ^\n'],
      ['an unknown function', ['check', 'tanh(a)', 'a=1'], 'backprop check: line 1, column 1: unknown function tanh (the functions are max, Math.max, pow, Math.pow, sig, sigmoid, relu)\n  tanh(a)\n  ^^^^\n'],
      ['a mistake in a program file', ['code', '--file', 'p.js'], 'backprop code: p.js, line 2, column 12: expected a number, a name or "(" after "+", got the end\n  var y = x +\n             ^\n', { 'p.js': 'var x = a;\nvar y = x +' }],
      ['a missing input value', ['grad', 'a * b', 'a=1'], 'backprop grad: input b is missing\n'],
      ['an unknown input', ['grad', 'a * b', 'a=1', 'b=2', 'c=3'], 'backprop grad: input c is unknown (the inputs are a, b)\n'],
      ['a non-numeric input value', ['grad', 'a * b', 'a=1', 'b=two'], 'backprop grad: input b must be a finite number, got "two"\n'],
      ['a NaN input', ['check', 'a * b', 'a=NaN', 'b=1'], 'backprop check: input a must be a finite number, got NaN\n'],
      ['an infinite input', ['grad', 'a * b', 'a=1', 'b=-Infinity'], 'backprop grad: input b must be a finite number, got -Infinity\n'],
      ['an input value too large', ['grad', 'a * b', 'a=1e999', 'b=1'], 'backprop grad: input a must be a finite number, got Infinity\n'],
      ['an input without a value', ['grad', 'a * b', 'a=', 'b=1'], 'backprop grad: input a has no value: write a=1\n'],
      ['an input given twice', ['grad', 'a * b', 'a=1', 'a=2', 'b=1'], 'backprop grad: input a is given twice\n'],
      ['an unquoted expression', ['grad', 'a', '*', 'b', 'a=1'], 'backprop grad: unexpected argument "*": input values are written name=value, and the expression goes in quotes, as in backprop grad \'a * b\' a=1 b=2\n'],
      ['no expression', ['grad'], 'backprop grad: the expression is missing, as in backprop grad \'a * b\' a=1 b=2\n'],
      ['input values but no expression', ['grad', 'a=1', 'b=2'], 'backprop grad: the expression is missing: "a=1" is an input value; put the expression first, as in backprop grad \'a * b\' a=1 b=2\n'],
      ['a gate producing Infinity', ['grad', 'var x2 = c + d; var x3 = 1.0 / x2;', 'c=1', 'd=-1'], 'backprop grad: reciprocal gate on wire x3: input x2 = 0 gives Infinity\n'],
      ['a gate producing NaN', ['graph', 'pow(a, 0.5)', 'a=-4', '--format=dot'], 'backprop graph: pow gate on wire x: input a = -4 gives NaN\n'],
      ['a gradient becoming infinite', ['grad', 'pow(a, 0.5)', 'a=0'], 'backprop grad: pow gate on wire x, backward: gradient into a becomes Infinity (inputs a = 0; upstream dx = 1)\n'],
      ['a bad --upstream', ['grad', 'a * b', 'a=1', 'b=2', '--upstream=abc'], 'backprop grad: --upstream must be a finite number, got "abc"\n'],
      ['an infinite --upstream', ['grad', 'a * b', 'a=1', 'b=2', '--upstream', 'Infinity'], 'backprop grad: --upstream must be a finite number, got "Infinity"\n'],
      ['--upstream without a value', ['grad', 'a * b', 'a=1', 'b=2', '--upstream'], 'backprop grad: --upstream needs a value, as in --upstream=2\n'],
      ['an unknown command', ['gradient', 'a * b'], 'backprop: unknown command "gradient" (the commands are grad, check, code, graph, json; run backprop --help)\n'],
      ['an option before the command', ['--json', 'grad'], 'backprop: unknown command "--json" (the command comes first; run backprop --help)\n'],
      ['help on an unknown command', ['help', 'plot'], 'backprop: unknown command "plot" (the commands are grad, check, code, graph, json)\n'],
      ['an unknown option', ['grad', 'a * b', 'a=1', 'b=2', '--jsn'], 'backprop grad: unknown option --jsn (the options of backprop grad are --upstream, --json, --file, --circuit, --help)\n'],
      ['an option of another command', ['check', 'a * b', 'a=1', 'b=2', '--upstream=2'], 'backprop check: unknown option --upstream (the options of backprop check are --json, --file, --circuit, --help)\n'],
      ['an option given twice', ['grad', 'a', 'a=1', '--json', '--json'], 'backprop grad: --json is given twice\n'],
      ['a value for a flag', ['grad', 'a', 'a=1', '--json=yes'], 'backprop grad: --json takes no value, got "--json=yes"\n'],
      ['a bad --lang', ['code', 'a * b', '--lang=py'], 'backprop code: --lang must be js or ts, got "py"\n'],
      ['a bad --format', ['graph', 'a * b', '--format', 'png'], 'backprop graph: --format must be svg, dot or mermaid, got "png"\n'],
      ['input values for code', ['code', 'a * b', 'a=1'], 'backprop code: unexpected argument "a=1": backprop code takes no input values\n'],
      ['a missing file', ['grad', '--file', 'nope.js'], 'backprop grad: cannot read nope.js: no such file\n'],
      ['--file and --circuit together', ['grad', '--file', 'a.js', '--circuit', 'c.json'], 'backprop grad: give --file or --circuit, not both\n'],
      ['a circuit file that is not JSON', ['grad', '--circuit', 'c.json'], 'backprop grad: c.json is not valid JSON: Unexpected token \'i\', "inputs: a" is not valid JSON\n', { 'c.json': 'inputs: a' }],
      ['a bad circuit file', ['grad', '--circuit', 'c.json', 'a=1'], 'backprop grad: c.json: gates[0].inputs[0]: there is no wire "b" before this gate (the wires so far are a)\n', { 'c.json': '{"inputs":["a"],"gates":[{"type":"NegateGate","inputs":["b"]}],"outputs":["_1"]}' }],
      ['a circuit file with two outputs', ['grad', '--circuit', 'c.json', 'a=1'], 'backprop grad: c.json: outputs: backprop differentiates one output, this file has 2 (a, _1)\n', { 'c.json': '{"inputs":["a"],"gates":[{"type":"NegateGate","inputs":["a"]}],"outputs":["a","_1"]}' }],
      ['an unwritable output file', ['graph', 'a * b', '-o', '/nonexistent/x.svg'], 'backprop graph: cannot write /nonexistent/x.svg: no such directory\n'],
    ];
    for (const [what, argv, message, files] of cases) {
      it(what, async () => {
        expect(await mistake(argv, files)).to.equal(message);
      });
    }
  });

  describe('the compiled command, as a process', function () {
    this.timeout(120000);
    let dir = '';
    before(() => {
      // build the CLI (a type error elsewhere still emits; the checks below need only our files)
      spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT });
      expect(existsSync(BIN), BIN).to.equal(true);
      dir = mkdtempSync(join(tmpdir(), 'backprop-'));
    });
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('starts with #!/usr/bin/env node', () => {
      expect(readFileSync(BIN, 'utf8').split('\n')[0]).to.equal('#!/usr/bin/env node');
    });

    it('grad --json prints exactly one JSON object, in full double precision', () => {
      const out = execFileSync(process.execPath, [BIN, 'grad', 'var q = a * x + b * y + c; var f = sig(q);', 'a=1', 'b=2', 'c=-3', 'x=-1', 'y=3', '--json'], { encoding: 'utf8' });
      expect(out).to.equal('{"value":0.8807970779778823,"gradients":{"a":-0.10499358540350649,"x":0.10499358540350649,"b":0.31498075621051946,"y":0.20998717080701298,"c":0.10499358540350649}}\n');
    });

    it('exits 2 with one line on stderr for a mistake, and 1 for a failed check', () => {
      const bad = spawnSync(process.execPath, [BIN, 'grad', 'a * b', 'a=1'], { encoding: 'utf8' });
      expect([bad.status, bad.stdout, bad.stderr]).to.deep.equal([2, '', 'backprop grad: input b is missing\n']);
      const failed = spawnSync(process.execPath, [BIN, 'check', 'relu(a) - relu(-a)', 'a=0'], { encoding: 'utf8' });
      expect(failed.status).to.equal(1);
    });

    it('writes an SVG picture with Graphviz in WebAssembly', () => {
      const file = join(dir, 'neuron.svg');
      execFileSync(process.execPath, [BIN, 'graph', 'var q = a * x + b * y + c; var f = sig(q);', 'a=1', 'b=2', 'c=-3', 'x=-1', 'y=3', '-o', file], { encoding: 'utf8', stdio: 'pipe' });
      const svg = readFileSync(file, 'utf8');
      expect(svg).to.match(/<svg[\s\S]*<\/svg>\s*$/);
      expect(svg.match(/<g id="node\d+" class="node">\s*<title>g\d+<\/title>/g) ?? []).to.have.length(4);
    });

    it('reads a circuit file it wrote', () => {
      const file = join(dir, 'c.json');
      writeFileSync(file, execFileSync(process.execPath, [BIN, 'json', 'Math.pow(((a * b + c) * d), 2)'], { encoding: 'utf8' }));
      const out = execFileSync(process.execPath, [BIN, 'grad', '--circuit', file, 'a=1', 'b=2', 'c=3', 'd=4', '--json'], { encoding: 'utf8' });
      expect(JSON.parse(out)).to.deep.equal({ value: 400, gradients: { a: 320, b: 160, c: 160, d: 200 } });
    });
  });
});
