import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { AddGate, Circuit, ConstantGate, MultiplyGate, PowGate, SigmoidGate, type CircuitSpec, type Gate } from '../lib/index';
import { BUILTIN_GATE_KINDS } from '../lib/testing/circuitArbitrary';
import { circuitArbitrary } from '../lib/testing/index';
import { num } from './chapter/support';

/** tanh, a gate of the user's: called through its methods. */
class TanhGate implements Gate {
  readonly name = 'tanh';
  readonly arity = { min: 1, max: 1 };
  forward([x = NaN]: readonly number[]): number {
    return Math.tanh(x);
  }
  backward(_xs: readonly number[], y: number, dy: number): number[] {
    return [(1 - y * y) * dy];
  }
}

/** A multiply gate that says it takes three inputs: its inherited math reads two, so it must be called through its methods. */
class ThreeWayMultiply extends MultiplyGate {
  override readonly arity = { min: 3, max: 3 };
}

/** The names of a circuit's wires, as fromLayout takes them: `undefined` where the circuit shows `_<index>`. */
function namesOf(c: Circuit): (string | undefined)[] {
  return Array.from({ length: c.size }, (_, i) => {
    const n = c.nameOf(i);
    return n === `_${String(i)}` ? undefined : n;
  });
}

/** The same names as ranges of one text. */
function rangesOf(names: readonly (string | undefined)[]): CircuitSpec['names'] {
  let text = '';
  const start = new Int32Array(names.length);
  const end = new Int32Array(names.length);
  names.forEach((n, i) => {
    if (n === undefined) return;
    text += ' ';
    start[i] = text.length;
    text += n;
    end[i] = text.length;
  });
  return { text, start, end };
}

const describeAll = (c: Circuit): string[] => Array.from({ length: c.size }, (_, i) => c.describe(i));

/** The message of a Left (and that the error is about wire `wire`, when given). */
function message(result: E.Either<{ readonly _tag: string; readonly message: string; readonly wire?: number }, unknown>, wire?: number): string {
  if (E.isRight(result)) throw new Error('expected a Left');
  expect(result.left._tag).to.equal('CompositionError');
  if (wire !== undefined) expect(result.left.wire).to.equal(wire);
  return result.left.message;
}

/** var x = a * b; var y = sig(x + a): a small layout to break. */
function small(): CircuitSpec {
  return {
    size: 5,
    inputs: Int32Array.of(0, 1),
    gate: Int32Array.of(-1, -1, 0, 1, 2),
    argStart: Int32Array.of(0, 0, 0, 2, 4, 5),
    args: Int32Array.of(0, 1, 2, 0, 3),
    gates: [new MultiplyGate(), new AddGate(), new SigmoidGate()],
    names: ['a', 'b', 'x', undefined, 'y'],
  };
}

describe('Circuit.fromLayout', () => {
  it('builds the circuit of the small layout', () => {
    const c = E.getOrElseW(() => undefined)(Circuit.fromLayout(small()));
    expect(c && describeAll(c)).to.deep.equal(['a (input)', 'b (input)', 'x = multiply(a, b)', '_3 = add(x, a)', 'y = sigmoid(_3)']);
    expect(c?.wire('y')?.index).to.equal(4);
    expect(c?.inputNames).to.deep.equal(['a', 'b']);
  });

  it('rebuilds any circuit from its layout and names: the same wires, values and gradients, names given either way', () => {
    fc.assert(
      fc.property(circuitArbitrary({ inputs: { min: 1, max: 4 }, maxGates: 60, gates: [...BUILTIN_GATE_KINDS, new TanhGate()] }), fc.boolean(), fc.array(num(-2, 2), { minLength: 4, maxLength: 4 }), (rc, asRanges, xs) => {
        const c = rc.circuit;
        const names = namesOf(c);
        const copy = Circuit.fromLayout({ ...c.layout(), names: asRanges ? rangesOf(names) : names });
        if (E.isLeft(copy)) throw new Error(copy.left.message);
        const d = copy.right;
        expect(describeAll(d)).to.deep.equal(describeAll(c));
        const [l1, l2] = [c.layout(), d.layout()];
        expect(l2.gates).to.deep.equal(l1.gates);
        expect([l2.gate, l2.argStart, l2.args, l2.inputs]).to.deep.equal([l1.gate, l1.argStart, l1.args, l1.inputs]);
        expect(d.inputNames).to.deep.equal(c.inputNames);
        for (const n of names) if (n !== undefined) expect(d.wire(n)?.index).to.equal(c.wire(n)?.index);
        const point = Object.fromEntries(c.inputNames.map((n, k) => [n, xs[k] ?? 0]));
        const f1 = c.forward(point);
        const f2 = d.forward(point);
        expect(E.isRight(f2)).to.equal(E.isRight(f1));
        if (E.isLeft(f1) || E.isLeft(f2)) return;
        expect(Array.from(f2.right.values)).to.deep.equal(Array.from(f1.right.values));
        const b1 = c.backward(f1.right, 1);
        const b2 = d.backward(f2.right, 1);
        if (E.isRight(b1) && E.isRight(b2)) expect(Array.from(b2.right.gradients)).to.deep.equal(Array.from(b1.right.gradients));
      }),
      { numRuns: 200 },
    );
  });

  it('makes a circuit that grows as any other', () => {
    const c = E.getOrElseW(() => undefined)(Circuit.fromLayout(small()));
    if (c === undefined) throw new Error('expected a circuit');
    const z = c.mul(c.wire('y') ?? c.input('never'), c.input('w'), 'z');
    expect(c.describe(z)).to.equal('z = multiply(y, w)');
    expect(() => c.input('x')).to.throw('the name x is already used in this circuit');
    expect(c.inputNames).to.deep.equal(['a', 'b', 'w']);
  });

  it('says what is wrong with the arrays, exactly', () => {
    const s = small();
    const cases: [string, unknown, string][] = [
      ['no layout', null, 'fromLayout needs a layout (size, inputs, gate, argStart, args, gates and names), got null'],
      ['a size that is not a whole number', { ...s, size: 2.5 }, "the layout's size must be a whole number of wires from 0 to 1073741824, got 2.5"],
      ['a gate array of numbers', { ...s, gate: [-1, -1, 0, 1, 2] }, "the layout's gate must be an Int32Array, got [-1,-1,0,1,2]"],
      ['a gate array of the wrong length', { ...s, gate: Int32Array.of(-1, -1, 0, 1) }, "the layout's gate must have 5 entries (size 5), got 4"],
      ['argStart one short', { ...s, argStart: Int32Array.of(0, 0, 0, 2, 4) }, "the layout's argStart must have 6 entries (size 5), got 5"],
      ['gates that are no array', { ...s, gates: 'mul' }, 'the layout\'s gates must be an array of gates, got "mul"'],
      ['names of the wrong length', { ...s, names: ['a', 'b'] }, "the layout's names must have 5 entries (size), got 2"],
      ['no names', { ...s, names: undefined }, "the layout's names must be an array of 5 names or name ranges, got undefined"],
      ['name ranges without a text', { ...s, names: { text: 3, start: new Int32Array(5), end: new Int32Array(5) } }, "the layout's name ranges need a text, got 3"],
      ['name ranges too short', { ...s, names: { text: 'a', start: new Int32Array(4), end: new Int32Array(5) } }, "the layout's name ranges need start: an Int32Array of 5 entries (size), got 4 entries"],
      ['argStart that does not end at the args', { ...s, args: Int32Array.of(0, 1, 2, 0) }, "the layout's argStart must start at 0 and end at the number of args (4), got 0 and 5"],
      ['a gate that is not one', { ...s, gates: [new MultiplyGate(), {}, new SigmoidGate()] }, "the layout's gates[1]: apply needs a Gate (an object with name, arity, forward and backward), got {}"],
      ['a constant that is not finite', { ...s, gates: [new MultiplyGate(), new AddGate(), new ConstantGate(Infinity)] }, "the layout's gates[2]: a constant must be a finite number, got Infinity"],
      ['a pow of NaN', { ...s, gates: [new MultiplyGate(), new AddGate(), new PowGate(NaN)] }, "the layout's gates[2]: the exponent of a pow gate must be a finite number, got NaN"],
      ['inputs that are not the input wires', { ...s, inputs: Int32Array.of(1, 0) }, "wire 0: the layout's inputs must be the input wires (those whose gate is -1) in order: inputs[0] is 1"],
      ['an input left out of inputs', { ...s, inputs: Int32Array.of(0) }, "wire 1: the layout's inputs must be the input wires (those whose gate is -1) in order: inputs[1] is undefined"],
      ['more inputs than input wires', { ...s, inputs: Int32Array.of(0, 1, 2) }, "the layout's inputs must be the 2 input wires (those whose gate is -1), got 3 entries"],
      ['a gate index out of range', { ...s, gate: Int32Array.of(-1, -1, 0, 3, 2) }, 'wire 3: its gate is 3: -1 (an input) or one of the layout\'s gates (0 to 2)'],
      ['argStart going down', { ...s, argStart: Int32Array.of(0, 0, 0, 2, 1, 5) }, "wire 3: the layout's argStart goes down there (2, then 1)"],
      ['the wrong number of inputs', { ...s, argStart: Int32Array.of(0, 0, 0, 2, 4, 4), args: Int32Array.of(0, 1, 2, 0) }, 'wire 4: sigmoid gate takes 1 input, got 0'],
      ['a wire read before it is made', { ...s, args: Int32Array.of(0, 1, 2, 3, 3) }, 'wire 3: input 2 of the add gate is wire 3, which is not an earlier wire (0 to 2)'],
      ['a negative wire', { ...s, args: Int32Array.of(0, -1, 2, 0, 3) }, 'wire 2: input 2 of the multiply gate is wire -1, which is not an earlier wire (0 to 1)'],
      ['an input without a name', { ...s, names: ['a', undefined, 'x', undefined, 'y'] }, 'wire 1: an input needs a name, got none'],
      ['a name that is not a name', { ...s, names: ['a', 'b', 'x y', undefined, 'y'] }, 'wire 2: "x y" is not a valid wire name: use letters, digits, _ and $, not starting with a digit'],
      ['a name that is a number', { ...s, names: ['a', 'b', 7, undefined, 'y'] }, 'wire 2: 7 is not a valid wire name: use letters, digits, _ and $, not starting with a digit'],
      ['a name kept for unnamed wires', { ...s, names: ['a', 'b', 'x', '_3', 'y'] }, 'wire 3: the name _3 is kept for unnamed wires; choose another'],
      ['two inputs of one name', { ...s, names: ['a', 'a', 'x', undefined, 'y'] }, 'wire 1: the name a is already used in this circuit'],
      ['a gate named as an input', { ...s, names: ['a', 'b', 'b', undefined, 'y'] }, 'wire 2: the name b is already used in this circuit'],
      ['two gates of one name', { ...s, names: ['a', 'b', 'x', undefined, 'x'] }, 'wire 4: the name x is already used in this circuit'],
      ['a name range outside the text', { ...s, names: { text: 'a b', start: Int32Array.of(0, 2, 4, 0, 0), end: Int32Array.of(1, 3, 5, 0, 0) } }, 'wire 2: its name\'s range 4 to 5 is not in the text (0 to 3)'],
      ['a number for a layout', 3, 'fromLayout needs a layout (size, inputs, gate, argStart, args, gates and names), got 3'],
      ['a negative size', { ...s, size: -1 }, "the layout's size must be a whole number of wires from 0 to 1073741824, got -1"],
      ['too many wires', { ...s, size: 2 ** 30 + 1 }, "the layout's size must be a whole number of wires from 0 to 1073741824, got 1073741825"],
      ['names that are null', { ...s, names: null }, "the layout's names must be an array of 5 names or name ranges, got null"],
      ['argStart that does not start at 0', { ...s, argStart: Int32Array.of(1, 1, 1, 2, 4, 5) }, "the layout's argStart must start at 0 and end at the number of args (5), got 1 and 5"],
      ['a gate index below -1', { ...s, gate: Int32Array.of(-1, -1, 0, -2, 2) }, "wire 3: its gate is -2: -1 (an input) or one of the layout's gates (0 to 2)"],
      ['too many inputs for a gate', { ...s, argStart: Int32Array.of(0, 0, 0, 2, 3, 5), args: Int32Array.of(0, 1, 2, 0, 3) }, 'wire 4: sigmoid gate takes 1 input, got 2'],
      ['a gate whose name is no string', { ...s, gates: [{ name: 3, arity: { min: 2, max: 2 }, forward: () => 0, backward: () => [0, 0] }, new AddGate(), new SigmoidGate()] }, "the layout's gates[0]: apply needs a Gate (an object with name, arity, forward and backward), got {\"name\":3,\"arity\":{\"min\":2,\"max\":2}}"],
      ['a gate without forward', { ...s, gates: [new MultiplyGate(), new AddGate(), { name: 's', arity: { min: 1, max: 1 }, backward: () => [0] }] }, "the layout's gates[2]: apply needs a Gate (an object with name, arity, forward and backward), got {\"name\":\"s\",\"arity\":{\"min\":1,\"max\":1}}"],
      ['a gate without backward', { ...s, gates: [new MultiplyGate(), new AddGate(), { name: 's', arity: { min: 1, max: 1 }, forward: () => 0 }] }, "the layout's gates[2]: apply needs a Gate (an object with name, arity, forward and backward), got {\"name\":\"s\",\"arity\":{\"min\":1,\"max\":1}}"],
      ['a gate without an arity', { ...s, gates: [new MultiplyGate(), new AddGate(), { name: 's', forward: () => 0, backward: () => [0] }] }, "the layout's gates[2]: apply needs a Gate (an object with name, arity, forward and backward), got {\"name\":\"s\"}"],
      ['an arity without a min', { ...s, gates: [new MultiplyGate(), new AddGate(), { name: 's', arity: { max: 1 }, forward: () => 0, backward: () => [0] }] }, "the layout's gates[2]: apply needs a Gate (an object with name, arity, forward and backward), got {\"name\":\"s\",\"arity\":{\"max\":1}}"],
      ['an arity without a max', { ...s, gates: [new MultiplyGate(), new AddGate(), { name: 's', arity: { min: 1 }, forward: () => 0, backward: () => [0] }] }, "the layout's gates[2]: apply needs a Gate (an object with name, arity, forward and backward), got {\"name\":\"s\",\"arity\":{\"min\":1}}"],
      ['a name range that starts before the text', { ...s, names: { text: 'a b', start: Int32Array.of(-1, 2, 0, 0, 0), end: Int32Array.of(1, 3, 0, 0, 0) } }, "wire 0: its name's range -1 to 1 is not in the text (0 to 3)"],
      ['a name range that ends before it starts', { ...s, names: { text: 'a b', start: Int32Array.of(0, 2, 2, 0, 0), end: Int32Array.of(1, 3, 1, 0, 0) } }, "wire 2: its name's range 2 to 1 is not in the text (0 to 3)"],
      ['a name range naming an input twice', { ...s, names: { text: 'a b', start: Int32Array.of(0, 0, 0, 0, 0), end: Int32Array.of(1, 1, 0, 0, 0) } }, 'wire 1: the name a is already used in this circuit'],
      ['a name range naming a gate as an input', { ...s, names: { text: 'a b x', start: Int32Array.of(0, 2, 2, 0, 0), end: Int32Array.of(1, 3, 3, 0, 0) } }, 'wire 2: the name b is already used in this circuit'],
      ['a name range naming two gates alike', { ...s, names: { text: 'a b x', start: Int32Array.of(0, 2, 4, 0, 4), end: Int32Array.of(1, 3, 5, 0, 5) } }, 'wire 4: the name x is already used in this circuit'],
      ['a name range with no input name', { ...s, names: { text: 'a b', start: Int32Array.of(0, 2, 0, 0, 0), end: Int32Array.of(1, 2, 0, 0, 0) } }, 'wire 1: an input needs a name, got none'],
    ];
    for (const [what, spec, expected] of cases) {
      expect(message(Circuit.fromLayout(spec as CircuitSpec)), what).to.equal(expected);
    }
  });

  it('gives the wire of a mistake about one, and the same reason the one-wire builders give', () => {
    const s = small();
    expect(message(Circuit.fromLayout({ ...s, names: ['a', 'b', 'x', '_3', 'y'] }), 3)).to.equal('wire 3: the name _3 is kept for unnamed wires; choose another');
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    expect(() => c.mul(a, b, '_3')).to.throw('the name _3 is kept for unnamed wires; choose another');
    const g = new SigmoidGate() as Gate;
    expect(message(c.apply(g, []))).to.equal('sigmoid gate takes 1 input, got 0');
  });

  it('checks an input declared after a gate against the gate names before it', () => {
    // var x = a * a; then an input called x, and one called y
    const spec = (second: string): CircuitSpec => ({
      size: 3,
      inputs: Int32Array.of(0, 2),
      gate: Int32Array.of(-1, 0, -1),
      argStart: Int32Array.of(0, 0, 2, 2),
      args: Int32Array.of(0, 0),
      gates: [new MultiplyGate()],
      names: ['a', 'x', second],
    });
    expect(message(Circuit.fromLayout(spec('x')), 2)).to.equal('wire 2: the name x is already used in this circuit');
    expect(message(Circuit.fromLayout({ ...spec('x'), names: rangesOf(['a', 'x', 'x']) }), 2)).to.equal('wire 2: the name x is already used in this circuit');
    const c = E.getOrElseW(() => undefined)(Circuit.fromLayout(spec('y')));
    expect(c?.inputNames).to.deep.equal(['a', 'y']);
    expect(c?.wire('x')?.index).to.equal(1);
  });

  it('calls a built-in gate that takes other inputs than its math reads through its methods, as apply does', () => {
    const c = new Circuit();
    const [a, b, d] = c.inputs('a', 'b', 'd');
    c.applyOrThrow(new ThreeWayMultiply(), [a, b, d], 'y');
    const copy = E.getOrElseW(() => undefined)(Circuit.fromLayout({ ...c.layout(), names: namesOf(c) }));
    if (copy === undefined) throw new Error('expected a circuit');
    // its backward method gives two gradients for three inputs: called through it, that is an error
    const expected = c.backward(E.getOrElseW(() => undefined)(c.forward({ a: 2, b: 3, d: 5 }))!);
    const got = copy.backward(E.getOrElseW(() => undefined)(copy.forward({ a: 2, b: 3, d: 5 }))!);
    expect(E.isLeft(expected) && expected.left.message).to.match(/2 gradients/);
    expect(E.isLeft(got) && got.left.message).to.equal(E.isLeft(expected) && expected.left.message);
  });

  it('reads the arrays, and keeps none of them', () => {
    const s = small();
    const gate = s.gate.slice();
    const c = E.getOrElseW(() => undefined)(Circuit.fromLayout({ ...s, gate }));
    gate.fill(0);
    expect(c?.describe(4)).to.equal('y = sigmoid(_3)');
  });

  it('builds an empty circuit from an empty layout', () => {
    const c = Circuit.fromLayout({ size: 0, inputs: new Int32Array(0), gate: new Int32Array(0), argStart: Int32Array.of(0), args: new Int32Array(0), gates: [], names: [] });
    expect(E.isRight(c) && c.right.size).to.equal(0);
  });
});
