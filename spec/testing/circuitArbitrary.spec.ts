import { expect } from 'chai';
import fc from 'fast-check';
import { Circuit, MaxGate, ReluGate, type Gate } from '../../lib/index';
import { RandomCircuit, circuitArbitrary, circuitAtPointArbitrary, formatCircuit, formatPoint, isWellConditioned, pointArbitrary } from '../../lib/testing/index';
import { TanhGate } from '../contract/TanhGate';

/** The depth of every wire: 0 for an input or a constant, else 1 + the deepest input. */
function depths(c: Circuit): number[] {
  const d: number[] = [];
  for (let i = 0; i < c.size; i++) {
    const { inputs } = c.node(i);
    d.push(inputs.length === 0 ? 0 : 1 + Math.max(...inputs.map((j) => d[j]!)));
  }
  return d;
}

/** How many gate inputs each wire feeds, not counting the final `out` sum. */
function uses(c: Circuit): number[] {
  const n = new Array<number>(c.size).fill(0);
  for (let i = 0; i < c.size; i++) {
    const node = c.node(i);
    if (node.name !== 'out') for (const j of node.inputs) n[j]! += 1;
  }
  return n;
}

describe('circuitArbitrary', () => {
  it('keeps to the number of inputs, gates, depth and fan-out asked for', () => {
    const options = { inputs: { min: 2, max: 3 }, maxGates: 5, maxDepth: 2, maxFanOut: 1 };
    fc.assert(
      fc.property(circuitArbitrary(options), (rc) => {
        const c = rc.circuit;
        expect(c.inputNames.length).to.be.within(2, 3);
        expect(c.inputNames).to.deep.equal(['a', 'b', 'c'].slice(0, c.inputNames.length));
        const out = c.node(rc.output).name === 'out' ? 1 : 0;
        expect(c.size - c.inputNames.length - out).to.be.at.most(5);
        const d = depths(c);
        for (let i = 0; i < c.size - out; i++) expect(d[i], c.describe(i)).to.be.at.most(2);
        for (const u of uses(c)) expect(u).to.be.at.most(1);
        expect(rc.output.index).to.equal(c.size - 1);
      }),
      { numRuns: 300 },
    );
  });

  it('draws only from the gate set, and lets a wire feed one gate twice when fan-out allows', () => {
    const tanh = new TanhGate();
    let twice = 0;
    fc.assert(
      fc.property(circuitArbitrary({ gates: ['mul', tanh], maxFanOut: 3 }), (rc) => {
        for (let i = 0; i < rc.circuit.size; i++) {
          const { gate, inputs, name } = rc.circuit.node(i);
          if (gate === undefined || name === 'out') continue;
          expect(['multiply', 'tanh']).to.include(gate.name);
          if (gate.name === 'tanh') expect(gate).to.equal(tanh);
          if (new Set(inputs).size < inputs.length) twice++;
        }
      }),
      { numRuns: 300 },
    );
    expect(twice, 'a * a appears').to.be.above(0);
  });

  it('adds up the wires nothing reads into out, so every gate affects the output', () => {
    fc.assert(
      fc.property(circuitArbitrary(), (rc) => {
        const read = uses(rc.circuit);
        const out = rc.circuit.node(rc.output);
        if (out.name === 'out') for (const j of out.inputs) expect(read[j]).to.equal(0);
        for (let i = 0; i < rc.circuit.size - 1; i++) expect(read[i]! > 0 || out.inputs.includes(i), rc.circuit.describe(i)).to.equal(true);
      }),
    );
  });

  it('rejects options it cannot meet', () => {
    expect(() => circuitArbitrary({ gates: [] })).to.throw(RangeError, 'circuitArbitrary needs at least one gate in options.gates');
    expect(() => circuitArbitrary({ inputs: 27 })).to.throw(RangeError, 'circuitArbitrary needs 1 <= inputs.min <= inputs.max <= 26, got 27 to 27');
    expect(() => circuitArbitrary({ inputs: { min: 3, max: 2 } })).to.throw(RangeError, 'got 3 to 2');
  });

  it('is printed by fast-check as the chapter\'s code', () => {
    const [rc] = fc.sample(circuitArbitrary({ gates: ['mul'], inputs: 2, minGates: 1, maxGates: 1 }), { numRuns: 1, seed: 1 });
    expect(rc).to.be.instanceOf(RandomCircuit);
    expect(fc.stringify(rc)).to.equal(`circuit:\n${String(rc).split('\n').map((l) => `  ${l}`).join('\n')}`);
    expect(String(rc).split('\n')[0]).to.match(/^var x1 = [ab] \* [ab];$/);
  });
});

describe('pointArbitrary and isWellConditioned', () => {
  it('keep ReLU inputs, max gaps and 1/x inputs away from their edges', () => {
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    c.add([c.relu(a), c.max([a, b]), c.reciprocal(b)], 'x');
    expect(isWellConditioned(c, { a: 1, b: 0.5 })).to.equal(true);
    expect(isWellConditioned(c, { a: 0, b: 0.5 }), 'relu at 0').to.equal(false);
    expect(isWellConditioned(c, { a: 1e-9, b: 0.5 }), 'relu one step from 0').to.equal(false);
    expect(isWellConditioned(c, { a: 0.5, b: 0.5 }), 'a max tie').to.equal(false);
    expect(isWellConditioned(c, { a: 1, b: 0.01 }), '1/x near 0').to.equal(false);
    expect(isWellConditioned(c, { a: 1, b: 0 }), '1/0').to.equal(false);
    expect(isWellConditioned(c, { a: 1e5, b: 0.5 }), 'a huge value').to.equal(false);
    fc.assert(
      fc.property(pointArbitrary(c), (p) => {
        expect(Math.abs(p.a!)).to.be.at.least(1e-3);
        expect(Math.abs(p.a! - p.b!)).to.be.at.least(1e-3);
        expect(Math.abs(p.b!)).to.be.at.least(0.05);
      }),
    );
  });

  it('let a max read one wire twice: max(a, a) is smooth', () => {
    const c = new Circuit();
    const a = c.input('a');
    c.max([a, a]);
    expect(isWellConditioned(c, { a: 0.5 })).to.equal(true);
  });

  it('keep negative and fractional powers away from 0, and ask about a user\'s gate', () => {
    const c = new Circuit();
    const a = c.input('a');
    c.add([c.pow(a, 0.5), c.pow(a, -2), c.pow(a, 3)]);
    expect(isWellConditioned(c, { a: 0.5 })).to.equal(true);
    expect(isWellConditioned(c, { a: 0.01 })).to.equal(false);
    const u = new Circuit();
    const tanh = new TanhGate();
    u.applyOrThrow(tanh, [u.input('a')]);
    const domain = (g: Gate, [x = 0]: readonly number[]): boolean => g !== tanh || x > 0;
    expect(isWellConditioned(u, { a: -1 }, { domain })).to.equal(false);
    expect(isWellConditioned(u, { a: 1 }, { domain })).to.equal(true);
  });

  it('treat a user\'s subclass of ReluGate or MaxGate as having their kinks', () => {
    class Leaky extends ReluGate {
      override forward([x = NaN]: readonly number[]): number {
        return x > 0 ? x : 0.1 * x;
      }
    }
    const c = new Circuit();
    c.applyOrThrow(new Leaky(), [c.input('a')]);
    expect(isWellConditioned(c, { a: 0 })).to.equal(false);
    class Mine extends MaxGate {}
    const m = new Circuit();
    m.applyOrThrow(new Mine(), [m.input('a'), m.input('b')]);
    expect(isWellConditioned(m, { a: 1, b: 1 })).to.equal(false);
  });

  it('say at once when a circuit has no well-conditioned point, instead of searching forever', () => {
    const c = new Circuit();
    const a = c.input('a');
    c.relu(c.sub(a, a, 'd'), 'x');
    expect(() => pointArbitrary(c)).to.throw(
      RangeError,
      'no well-conditioned point found in 200 tries for \n  var d = a - a;\n  var x = Math.max(d, 0);\n  // x = Math.max(a - a, 0)\n: widen options.values or loosen the conditioning options',
    );
  });

  it('pair random circuits with points that pass gradcheck', () => {
    fc.assert(
      fc.property(circuitAtPointArbitrary({ gates: ['relu', 'max', 'reciprocal', 'sub'] }), (at) => {
        expect(isWellConditioned(at.circuit, at.point, { output: at.output })).to.equal(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('formatCircuit', () => {
  it('writes the chapter\'s steps and the one-line expression, with only the parentheses needed', () => {
    const c = new Circuit();
    const [a, b, cc, d] = c.inputs('a', 'b', 'c', 'd');
    const x1 = c.add([c.mul(a, b, 'ab'), cc], 'x1');
    const x2 = c.mul(x1, d, 'x2');
    c.pow(x2, 2, 'x');
    expect(formatCircuit(c)).to.equal(
      ['var ab = a * b;', 'var x1 = ab + c;', 'var x2 = x1 * d;', 'var x = Math.pow(x2, 2);', '// x = Math.pow((a * b + c) * d, 2)'].join('\n'),
    );
  });

  it('parenthesises sums under products, negations and the right of a subtraction', () => {
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    const s = c.add([a, b], 's');
    const n = c.neg(s, 'n');
    const r = c.reciprocal(c.sub(a, c.sub(b, c.constant(-2, 'k'), 't'), 'u'), 'r');
    c.add([c.mul(n, r, 'm'), c.sigmoid(c.max([a, c.relu(b, 'rb')], 'mx'), 'f')], 'out');
    expect(formatCircuit(c).split('\n').slice(-1)[0]).to.equal('// out = -(a + b) * (1.0 / (a - (b - (-2)))) + sig(Math.max(a, Math.max(b, 0)))');
  });

  it('calls a user\'s gate without code by its name, and leaves out a one-line form that adds nothing', () => {
    const c = new Circuit();
    c.applyOrThrow(new TanhGate(), [c.input('q')], 'f');
    expect(formatCircuit(c)).to.equal('var f = tanh(q);');
  });

  it('writes points to be pasted back', () => {
    expect(formatPoint({ a: 1, b: -0.5, c: -0, d: 1e-300 })).to.equal('a = 1, b = -0.5, c = -0, d = 1e-300');
  });
});
