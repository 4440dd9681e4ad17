import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import {
  AddGate, Circuit, ConstantGate, MaxGate, MultiplyGate, NegateGate, PowGate, ReciprocalGate, ReluGate, SigmoidGate, SubtractGate,
  circuitFileCodec, decodeCircuit, encodeCircuit, orThrow, parseCircuit, type CircuitFile, type Gate,
} from '../../lib/index';
import { TanhGate } from '../contract/TanhGate';

const parsed = (source: string): Circuit => {
  const r = parseCircuit(source);
  if (E.isLeft(r)) expect.fail(r.left.message);
  return r.right.circuit;
};

/** Everything that makes a circuit what it is, wire by wire: name, gate kind, constant, inputs. */
function structure(c: Circuit): unknown[] {
  return Array.from({ length: c.size }, (_, i) => {
    const n = c.node(i);
    const g = n.gate as (Gate & { readonly _tag?: string; readonly value?: number; readonly exponent?: number }) | undefined;
    return { name: n.name, tag: g?._tag ?? 'input', value: g?.value, exponent: g?.exponent, inputs: n.inputs, cls: g?.constructor };
  });
}

function decodeMessage(u: unknown): string {
  const r = decodeCircuit(u);
  if (E.isRight(r)) expect.fail('expected the file to be rejected');
  return r.left.message;
}

/** A random circuit of built-in gates; `interleave` declares some inputs after gates. */
const circuits = (interleave: boolean): fc.Arbitrary<Circuit> =>
  fc
    .record({
      inputs: fc.integer({ min: 1, max: 4 }),
      steps: fc.array(
        fc.record({
          kind: fc.integer({ min: 0, max: 10 }),
          picks: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
          arity: fc.integer({ min: 1, max: 3 }),
          named: fc.boolean(),
          k: fc.double({ min: -4, max: 4, noNaN: true }),
        }),
        { maxLength: 12 },
      ),
    })
    .map(({ inputs, steps }) => {
      const c = new Circuit();
      const wires = [c.input('in0')];
      let declared = 1;
      while (declared < inputs && !interleave) wires.push(c.input(`in${String(declared++)}`));
      steps.forEach((s, n) => {
        if (interleave && s.kind === 10 && declared < inputs) {
          wires.push(c.input(`in${String(declared++)}`));
          return;
        }
        const pick = (m: number): NonNullable<(typeof wires)[number]> => wires[(s.picks[m] ?? 0) % wires.length] ?? wires[0]!;
        const name = s.named ? `w${String(n)}` : undefined;
        const gates: readonly (readonly [Gate, number])[] = [
          [new MultiplyGate(), 2], [new AddGate(), s.arity], [new SubtractGate(), 2], [new NegateGate(), 1], [new SigmoidGate(), 1],
          [new ReluGate(), 1], [new MaxGate(), Math.max(2, s.arity)], [new ReciprocalGate(), 1], [new PowGate(s.k), 1], [new ConstantGate(s.k), 0],
          [new AddGate(), 1],
        ];
        const [gate, arity] = gates[s.kind] ?? [new AddGate(), 1];
        wires.push(orThrow(c.apply(gate, [0, 1, 2].slice(0, arity).map(pick), name)));
      });
      return c;
    });

describe('circuit files', () => {
  it('write a circuit as its inputs, its gates by _tag with their input wires, and its output', () => {
    const c = parsed('var x1 = a * b + c;\nvar x2 = x1 * d;\nvar x = Math.pow(x2, 2) + 1;');
    expect(orThrow2(encodeCircuit(c))).to.deep.equal({
      inputs: ['a', 'b', 'c', 'd'],
      gates: [
        { type: 'MultiplyGate', inputs: ['a', 'b'] },
        { type: 'AddGate', inputs: ['_4', 'c'], name: 'x1' },
        { type: 'MultiplyGate', inputs: ['x1', 'd'], name: 'x2' },
        { type: 'PowGate', inputs: ['x2'], exponent: 2 },
        { type: 'ConstantGate', value: 1 },
        { type: 'AddGate', inputs: ['_7', '_8'], name: 'x' },
      ],
      outputs: ['x'],
    });
  });

  it('read back the same circuit, also through JSON text (a property)', () => {
    fc.assert(
      fc.property(circuits(false), (c) => {
        const file = orThrow2(encodeCircuit(c));
        const back = orThrow2(decodeCircuit(file));
        expect(structure(back.circuit)).to.deep.equal(structure(c));
        // JSON text has no -0: a constant -0 reads back as 0, and nothing else changes
        const text = orThrow2(decodeCircuit(JSON.parse(JSON.stringify(file)) as unknown));
        expect(JSON.stringify(structure(text.circuit))).to.equal(JSON.stringify(structure(c)));
        expect(back.outputs.map((w) => w.index)).to.deep.equal([c.size - 1]);
        expect(orThrow2(encodeCircuit(back.circuit))).to.deep.equal(file);
      }),
      { numRuns: 300 },
    );
  });

  it('move inputs declared between gates to the front, keeping every wire\'s meaning (a property)', () => {
    fc.assert(
      fc.property(circuits(true), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 4, maxLength: 4 }), (c, xs) => {
        const file = orThrow2(encodeCircuit(c));
        const { circuit: back, outputs } = orThrow2(decodeCircuit(file));
        expect(back.inputNames).to.deep.equal(c.inputNames);
        expect(orThrow2(encodeCircuit(back, outputs))).to.deep.equal(file);
        const point = Object.fromEntries(c.inputNames.map((n, k) => [n, xs[k] ?? 0]));
        const a = c.forward(point);
        const b = back.forward(point);
        expect(E.isRight(a)).to.equal(E.isRight(b));
        if (E.isRight(a) && E.isRight(b)) {
          const out = outputs[0]!;
          expect(b.right.value(out)).to.equal(a.right.output);
          // every named wire has the same value
          for (let i = 0; i < c.size; i++) {
            const w = back.wire(c.nameOf(i));
            if (!c.nameOf(i).startsWith('_') && w !== undefined) expect(b.right.value(w)).to.equal(a.right.values[i]);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('name the outputs, which may be any wires', () => {
    const c = parsed('var q = a * b; var f = sig(q);');
    const file = orThrow2(encodeCircuit(c, [c.wire('q')!, c.wire('f')!]));
    expect(file.outputs).to.deep.equal(['q', 'f']);
    expect(orThrow2(decodeCircuit(file)).outputs.map((w) => w.name)).to.deep.equal(['q', 'f']);
  });

  it('have an io-ts codec for the JSON shape', () => {
    const file: CircuitFile = { inputs: ['a'], gates: [{ type: 'NegateGate', inputs: ['a'] }], outputs: ['_1'] };
    expect(circuitFileCodec.is(file)).to.equal(true);
    expect(E.isRight(circuitFileCodec.decode(file))).to.equal(true);
    expect(circuitFileCodec.is({ ...file, gates: [{ type: 'TanhGate' }] })).to.equal(false);
    expect(circuitFileCodec.encode(file)).to.equal(file);
  });

  it('cannot hold a custom gate: writing one is an error naming its wire', () => {
    const c = new Circuit();
    orThrow(c.apply(new TanhGate(), [c.input('a')], 'y'));
    const r = encodeCircuit(c);
    expect(E.isLeft(r) && r.left.message).to.equal('gates[0]: wire y: the tanh gate is not a built-in gate, so it cannot be written to a circuit file');
  });

  describe('a bad file gets an error with the JSON path of the problem', () => {
    const ok = { inputs: ['a', 'b'], gates: [{ type: 'MultiplyGate', inputs: ['a', 'b'], name: 'x' }], outputs: ['x'] };
    const TYPES = 'AddGate, ConstantGate, MaxGate, MultiplyGate, NegateGate, PowGate, ReciprocalGate, ReluGate, SigmoidGate, SubtractGate';
    const cases: readonly (readonly [string, unknown, string])[] = [
      ['not an object', [1], '(root): expected a circuit object with "inputs", "gates" and "outputs", got an array'],
      ['a missing key', { inputs: [], outputs: ['a'] }, 'gates: missing "gates"'],
      ['an unknown key', { ...ok, version: 2 }, 'version: unknown key "version" (a circuit file has inputs, gates and outputs)'],
      ['inputs not an array', { ...ok, inputs: 'a b' }, 'inputs: expected an array, got "a b"'],
      ['an input name that is not a string', { ...ok, inputs: ['a', 3] }, 'inputs[1]: expected a wire name (a string), got 3'],
      ['a gate that is not an object', { ...ok, gates: [ok.gates[0], 'x'] }, 'gates[1]: expected a gate object such as { "type": "MultiplyGate", "inputs": ["a", "b"] }, got "x"'],
      ['an unknown gate type', { ...ok, gates: [{ type: 'TanhGate', inputs: ['a'] }] }, `gates[0].type: unknown gate type "TanhGate" (the types are ${TYPES})`],
      ['a missing gate type', { ...ok, gates: [{ inputs: ['a'] }] }, `gates[0].type: missing gate type (the types are ${TYPES})`],
      ['a gate input that is not a string', { ...ok, gates: [{ type: 'MultiplyGate', inputs: ['a', null] }] }, 'gates[0].inputs[1]: expected a wire name (a string), got null'],
      ['a gate without inputs', { ...ok, gates: [{ type: 'SigmoidGate' }] }, 'gates[0].inputs: missing the inputs of the SigmoidGate'],
      ['an unknown gate key', { ...ok, gates: [{ type: 'NegateGate', input: ['a'] }] }, 'gates[0].input: unknown key "input" (a gate has type, inputs, name, and value or exponent) (and 1 more problem)'],
      ['a constant without a value', { ...ok, gates: [{ type: 'ConstantGate' }], outputs: ['_2'] }, 'gates[0].value: missing the value of the ConstantGate'],
      ['a non-finite constant', { ...ok, gates: [{ type: 'ConstantGate', value: '1e999' }] }, 'gates[0].value: expected a finite number, got "1e999"'],
      ['a pow without an exponent', { ...ok, gates: [{ type: 'PowGate', inputs: ['a'] }] }, 'gates[0].exponent: missing the exponent of the PowGate'],
      ['a constant where there is none', { ...ok, gates: [{ type: 'MultiplyGate', inputs: ['a', 'b'], exponent: 2 }] }, 'gates[0].exponent: a MultiplyGate has no exponent'],
      ['a wire read before it exists', { ...ok, gates: [{ type: 'MultiplyGate', inputs: ['a', 'q'] }] }, 'gates[0].inputs[1]: there is no wire "q" before this gate (the wires so far are a, b)'],
      ['the wrong number of inputs', { ...ok, gates: [{ type: 'MultiplyGate', inputs: ['a'] }] }, 'gates[0]: multiply gate takes 2 inputs, got 1'],
      ['a name used twice', { ...ok, gates: [{ type: 'MultiplyGate', inputs: ['a', 'b'], name: 'a' }] }, 'gates[0].name: the name a is already used in this circuit'],
      ['an invalid name', { ...ok, inputs: ['a', 'b c'] }, 'inputs[1]: "b c" is not a valid wire name: use letters, digits, _ and $, not starting with a digit'],
      ['no outputs', { ...ok, outputs: [] }, 'outputs: expected at least one output wire'],
      ['an unknown output', { ...ok, outputs: ['y'] }, 'outputs[0]: there is no wire "y" (the wires so far are a, b, x)'],
    ];
    for (const [what, file, message] of cases) {
      it(`: ${what}`, () => {
        expect(decodeMessage(file)).to.equal(message);
      });
    }
  });
});

function orThrow2<A>(r: E.Either<{ readonly message: string }, A>): A {
  if (E.isLeft(r)) expect.fail(r.left.message);
  return r.right;
}
