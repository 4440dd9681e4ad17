import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

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
      'parseCompileNsPerWire', 'parseCompileMinNsPerGate', 'buildNsPerGate', 'frontNsPerGate',
    ];
    for (const r of rows) {
      for (const f of figures) expect(r[f], `${String(r.name)} ${f}`).to.be.a('number').and.satisfy((x: number) => Number.isFinite(x) && x > 0);
      expect(r.parseCompileMinNsPerGate, String(r.name)).to.be.at.most(r.parseCompileNsPerGate as number);
      expect(r.parseCompileNsPerWire, String(r.name)).to.be.below(r.parseCompileNsPerGate as number);
    }
  });
});
