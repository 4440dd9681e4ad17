import { expect } from 'chai';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as E from 'fp-ts/Either';
import { compile, orThrow, parseCircuit, type Circuit } from '../lib/index';
import { KEPT, MIN_POOLED_BYTES, drain, float64, int32, pooled, release, uint8 } from '../lib/scratch';

// The scratch pool (lib/scratch.ts): the parser and the compiler hand their
// big temporary arrays back when a pass ends, and the next pass of the same
// job takes them. These check what it hands out (zeroed, of the size asked,
// never one buffer twice), and that a parse and compile reusing another's
// memory gives the same circuits and numbers as one that does not.

const N = MIN_POOLED_BYTES / 4; // an Int32Array of N entries is just big enough to be pooled

/** The circuit of a program that parses. */
const parsed = (text: string): Circuit => {
  const r = parseCircuit(text);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right.circuit;
};

describe('scratch (the pool of temporary arrays)', () => {
  beforeEach(drain);
  afterEach(drain);

  it('hands out zeroed arrays of the length asked, reusing a released buffer', () => {
    const a = int32(2 * N);
    a.fill(7);
    release(a);
    expect(pooled()).to.deep.equal({ buffers: 1, bytes: 8 * N });
    const b = int32(2 * N - 10);
    expect(b.buffer).to.equal(a.buffer); // the same memory...
    expect(b.length).to.equal(2 * N - 10);
    expect(b.every((x) => x === 0)).to.equal(true); // ...zeroed
    expect(pooled().buffers).to.equal(0);
    // a Uint8Array and a Float64Array from the same buffer, in turn
    release(b);
    b.fill(-1);
    release(b);
    const c = uint8(7 * N);
    expect([c.buffer === a.buffer, c.length, c.every((x) => x === 0)]).to.deep.equal([true, 7 * N, true]);
    release(c);
    const d = float64(N);
    expect([d.buffer === a.buffer, d.length]).to.deep.equal([true, N]);
  });

  it('takes the smallest buffer large enough, and none more than four times the size asked', () => {
    const big = int32(16 * N);
    const mid = int32(2 * N);
    const small = int32(N);
    release(mid, big, small);
    expect(int32(N + 1).buffer).to.equal(mid.buffer); // small is too small, mid fits better than big (released after it)
    expect(int32(2 * N).buffer).not.to.equal(big.buffer); // 16 N is more than four times 2 N: a new one
    expect(int32(N).buffer).to.equal(small.buffer);
    expect(int32(4 * N).buffer).to.equal(big.buffer); // four times: taken
    expect(pooled().buffers).to.equal(0);
    // an array a result keeps takes a buffer only within half again its size
    const two = float64(N);
    release(two);
    expect(float64(N / 2, KEPT).buffer).not.to.equal(two.buffer);
    expect(float64(Math.ceil(N / 1.5), KEPT).buffer).to.equal(two.buffer);
  });

  it('never hands one buffer out twice: a buffer released twice is pooled once', () => {
    const a = int32(N);
    release(a, a, a.subarray(5));
    expect(pooled().buffers).to.equal(1);
    const [x, y] = [int32(N), int32(N)];
    expect(x.buffer).to.equal(a.buffer);
    expect(y.buffer).not.to.equal(a.buffer);
  });

  it('leaves small arrays out of the pool, and makes them anew even where a pooled buffer would fit', () => {
    const a = int32(N - 1);
    release(a);
    expect(pooled().buffers).to.equal(0);
    expect(int32(N - 1).buffer).not.to.equal(a.buffer);
    const b = int32(N);
    release(b);
    expect(int32(N / 2).buffer).not.to.equal(b.buffer); // b is within four times its size, but it is small
    expect(pooled().buffers).to.equal(1);
  });

  it('skips undefined among the arrays handed back, holds the 64 latest buffers, and drain empties it', () => {
    const arrays = Array.from({ length: 65 }, () => uint8(MIN_POOLED_BYTES));
    release(undefined, ...arrays, undefined);
    expect(pooled()).to.deep.equal({ buffers: 64, bytes: 64 * MIN_POOLED_BYTES });
    const taken = Array.from({ length: 64 }, () => uint8(MIN_POOLED_BYTES).buffer);
    expect(taken.includes(arrays[0]?.buffer as ArrayBuffer), 'the oldest is dropped').to.equal(false);
    expect(arrays.slice(1).every((a) => taken.includes(a.buffer))).to.equal(true);
    release(...arrays);
    drain();
    expect(pooled()).to.deep.equal({ buffers: 0, bytes: 0 });
    expect(uint8(MIN_POOLED_BYTES).buffer).not.to.equal(arrays[64]?.buffer);
  });

  it('forgets a buffer the collector has taken once the job that released it has ended', async function () {
    // gc(), made callable in this process (mocha runs without --expose-gc)
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const releaseOne = (): void => {
      release(int32(4 * N)); // nothing else holds it
    };
    releaseOne();
    expect(pooled().buffers).to.equal(1); // held to the end of this job
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(pooled()).to.deep.equal({ buffers: 0, bytes: 0 });
    releaseOne();
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    const fresh = int32(N); // the pool's only entry is gone: a new buffer, no error
    expect([fresh.length, fresh.every((x) => x === 0)]).to.deep.equal([N, true]);
    release(fresh);
    expect(pooled().buffers).to.equal(1);
  });

  it('gives the same circuits and numbers when a parse and compile reuse another\'s memory in the same job', () => {
    // programs of about 20,000 gates: their arrays are big enough to be pooled
    const program = (k: number, n: number): string => {
      const lines: string[] = [];
      for (let i = 0; i < n; i++) lines.push(`var y${String(i + 1)} = max(w${String(i)} * y${String(i)} + ${String(k)}.5, 0);`);
      return lines.join('\n');
    };
    const sum = (n: number): string => Array.from({ length: n }, (_, i) => `sig(a${String(i)} * b${String(i)} - c${String(i)})`).join(' + ');
    const texts = [program(1, 7000), sum(4000), program(2, 9000), sum(5000)];
    // the value of each, worked out here from the inputs by name: a reference that does not go through the parser
    const sig = (q: number): number => (q >= 0 ? 1 / (1 + Math.exp(-q)) : Math.exp(q) / (1 + Math.exp(q)));
    const chainValue = (k: number, n: number) => (x: (name: string) => number): number => {
      let y = x('y0');
      for (let i = 0; i < n; i++) y = Math.max(x(`w${String(i)}`) * y + (k + 0.5), 0);
      return y;
    };
    const sumValue = (n: number) => (x: (name: string) => number): number => {
      let total = 0;
      for (let i = 0; i < n; i++) total += sig(x(`a${String(i)}`) * x(`b${String(i)}`) - x(`c${String(i)}`));
      return total;
    };
    const values = [chainValue(1, 7000), sumValue(4000), chainValue(2, 9000), sumValue(5000)];
    // each circuit alone, then all of them in one job, the pool carrying memory from one to the next
    const alone = texts.map((t) => {
      drain();
      const c = parsed(t);
      return { shape: Array.from({ length: c.size }, (_, i) => c.describe(i)), compiled: compile(c), circuit: c };
    });
    drain();
    const together = texts.map((t) => {
      const c = parsed(t);
      return { circuit: c, compiled: compile(c) };
    });
    expect(pooled().buffers).to.be.above(0); // the last compile handed its arrays back
    together.forEach(({ circuit, compiled }, k) => {
      const ref = alone[k]!;
      expect(Array.from({ length: circuit.size }, (_, i) => circuit.describe(i)), `circuit ${String(k)}`).to.deep.equal(ref.shape);
      const point = Float64Array.from({ length: circuit.inputCount }, (_, i) => 0.9 + 0.2 * Math.sin(i));
      const run = orThrow(compiled.run(point));
      const expected = orThrow(ref.compiled.run(point));
      expect(run.forward.output, `output ${String(k)}`).to.equal(expected.forward.output);
      expect(Array.from(compiled.inputGradients), `gradients ${String(k)}`).to.deep.equal(Array.from(ref.compiled.inputGradients));
      // and the interpreter agrees with both, and both with the value worked out from the formula
      const f = orThrow(circuit.forwardArray(point));
      expect(f.output).to.equal(run.forward.output);
      const byName = new Map(circuit.inputNames.map((name, i) => [name, point[i] ?? NaN]));
      const value = values[k]!((name) => byName.get(name) ?? NaN);
      expect(run.forward.output, `value ${String(k)}`).to.be.closeTo(value, 1e-9 * Math.max(1, Math.abs(value)));
    });
  });

  it('does not keep a parse\'s arrays in what it returns: a later parse in the same job leaves the first circuit intact', () => {
    const c1 = parsed(Array.from({ length: 6000 }, (_, i) => `p${String(i)} * q${String(i)}`).join(' + '));
    const before = Array.from({ length: c1.size }, (_, i) => c1.describe(i));
    const layout = c1.layout();
    const keep = { gate: layout.gate.slice(), args: layout.args.slice() };
    release(layout.gate, layout.argStart, layout.args, layout.inputs);
    // another parse and compile take the released memory and more
    compile(parsed(Array.from({ length: 9000 }, (_, i) => `u${String(i)} - v${String(i)}`).join(' + ')));
    expect(Array.from({ length: c1.size }, (_, i) => c1.describe(i))).to.deep.equal(before);
    const again = c1.layout();
    expect([Array.from(again.gate), Array.from(again.args)]).to.deep.equal([Array.from(keep.gate), Array.from(keep.args)]);
    expect(orThrow(compile(c1).run(new Float64Array(c1.inputCount).fill(1))).forward.output).to.equal(6000);
  });
});
