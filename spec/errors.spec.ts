import { expect } from 'chai';
import * as E from 'fp-ts/Either';
import {
  AddGate,
  Circuit,
  CircuitException,
  ConstantGate,
  MaxGate,
  MultiplyGate,
  PowGate,
  orThrow,
  type CircuitError,
  type Gate,
  type Wire,
} from '../lib/index';
import { left, right } from './chapter/support';

/** The CircuitException `f` throws (failing the test if it throws nothing or something else). */
function thrown(f: () => unknown): CircuitException {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(CircuitException);
    return e as CircuitException;
  }
  return expect.fail('expected a CircuitException');
}

/** A user-defined gate with the given arity that computes a + b + ... (any arity). */
function sumGate(name: string, min: number, max: number): Gate {
  return {
    name,
    arity: { min, max },
    forward: (xs) => xs.reduce((s, x) => s + x, 0),
    backward: (xs, _y, dy) => xs.map(() => dy),
  };
}

/** A custom one-input gate whose forward is the identity and whose backward is `backward`. */
function brokenGate(backward: () => unknown, forward: (xs: readonly number[]) => unknown = (xs) => xs[0]): Gate {
  return { name: 'broken', arity: { min: 1, max: 1 }, forward: forward as Gate['forward'], backward: backward as Gate['backward'] };
}

/** The chapter's (a + b) / (c + d) in steps, with x2 = c + d and x3 = 1 / x2. */
function division(): Circuit {
  const circuit = new Circuit();
  const [a, b, c, d] = circuit.inputs('a', 'b', 'c', 'd');
  const x1 = circuit.add([a, b], 'x1');
  const x2 = circuit.add([c, d], 'x2');
  const x3 = circuit.reciprocal(x2, 'x3');
  circuit.mul(x1, x3, 'x');
  return circuit;
}

describe('errors', () => {
  describe('a non-finite value in the forward pass', () => {
    it('names the gate and wire of 1/0: reciprocal gate on wire x3: input x2 = 0 gives Infinity', () => {
      const err = left(division().forward({ a: 1, b: 2, c: 1, d: -1 }));
      expect(err).to.deep.equal({
        _tag: 'GateError',
        pass: 'forward',
        gate: 'reciprocal',
        wire: 'x3',
        message: 'reciprocal gate on wire x3: input x2 = 0 gives Infinity',
      });
    });

    it('throws the same error from orThrow, as a CircuitException', () => {
      const e = thrown(() => orThrow(division().forward({ a: 1, b: 2, c: 1, d: -1 })));
      expect(e.message).to.equal('reciprocal gate on wire x3: input x2 = 0 gives Infinity');
      expect(e.name).to.equal('CircuitException');
      expect(e.error._tag).to.equal('GateError');
      expect(e).to.be.instanceOf(Error);
    });

    it('names the multiply gate that overflows: 1e200 * 1e200', () => {
      const c = new Circuit();
      const [p, q] = c.inputs('p', 'q');
      c.neg(c.mul(p, q, 'y'), 'z');
      expect(left(c.forward({ p: 1e200, q: 1e200 }))).to.deep.equal({
        _tag: 'GateError',
        pass: 'forward',
        gate: 'multiply',
        wire: 'y',
        message: 'multiply gate on wire y: inputs p = 1e+200, q = 1e+200 give Infinity',
      });
    });

    it('names an unnamed wire by its index and a NaN from pow', () => {
      const c = new Circuit();
      c.pow(c.input('a'), 0.5);
      expect(left(c.forward({ a: -1 })).message).to.equal('pow gate on wire _1: input a = -1 gives NaN');
    });

    it('names a custom gate whose forward gives NaN', () => {
      const c = new Circuit();
      c.apply(brokenGate(() => [1], () => NaN), [c.input('a')], 'y');
      expect(left(c.forward({ a: 1 })).message).to.equal('broken gate on wire y: input a = 1 gives NaN');
    });

    it('names a custom gate with no inputs whose forward gives NaN', () => {
      const c = new Circuit();
      const nothing: Gate = { name: 'nothing', arity: { min: 0, max: 0 }, forward: () => NaN, backward: () => [] };
      c.applyOrThrow(nothing, [], 'k');
      expect(left(c.forward({})).message).to.equal('nothing gate on wire k: gives NaN');
    });

    it('names a custom gate whose forward returns something that is not a number', () => {
      const c = new Circuit();
      c.apply(brokenGate(() => [1], () => '1'), [c.input('a')], 'y');
      expect(left(c.forward({ a: 1 }))).to.deep.equal({
        _tag: 'GateError',
        pass: 'forward',
        gate: 'broken',
        wire: 'y',
        message: 'broken gate on wire y: forward returned "1", not a number',
      });
    });
  });

  describe('a non-finite gradient in the backward pass', () => {
    it('names the reciprocal gate at 1e-170: a finite forward value, an infinite gradient', () => {
      const c = new Circuit();
      c.reciprocal(c.input('a'), 'x');
      const f = right(c.forward({ a: 1e-170 }));
      expect(f.output).to.equal(1e170);
      expect(left(c.backward(f))).to.deep.equal({
        _tag: 'GateError',
        pass: 'backward',
        gate: 'reciprocal',
        wire: 'x',
        message: 'reciprocal gate on wire x, backward: gradient into a becomes -Infinity (inputs a = 1e-170; upstream dx = 1)',
      });
    });

    it('names the gate where the gradient first overflows when two branches add up', () => {
      // each branch gives 1e308, their sum overflows at the second one backprop reaches (m1)
      const c = new Circuit();
      const a = c.input('a');
      const k1 = c.constant(1e308, 'k1');
      const k2 = c.constant(1e308, 'k2');
      c.add([c.mul(a, k1, 'm1'), c.mul(a, k2, 'm2')], 'y');
      const f = right(c.forward({ a: 1e-300 }));
      expectCloseValue(f.output, 2e8);
      expect(left(c.backward(f)).message).to.equal(
        'multiply gate on wire m1, backward: gradient into a becomes Infinity (inputs a = 1e-300, k1 = 1e+308; upstream dm1 = 1)',
      );
    });

    it('names pow(0, 0.5), whose value is 0 but whose gradient is infinite', () => {
      const c = new Circuit();
      c.pow(c.input('a'), 0.5, 'r');
      expect(left(c.backward(right(c.forward({ a: 0 })))).message).to.equal(
        'pow gate on wire r, backward: gradient into a becomes Infinity (inputs a = 0; upstream dr = 1)',
      );
    });

    it('names a custom gate whose gradient is NaN', () => {
      const c = new Circuit();
      c.apply(brokenGate(() => [NaN]), [c.input('a')], 'y');
      expect(left(c.backward(right(c.forward({ a: 1 }))))).to.deep.equal({
        _tag: 'GateError',
        pass: 'backward',
        gate: 'broken',
        wire: 'y',
        message: 'broken gate on wire y, backward: gradient into a becomes NaN (inputs a = 1; upstream dy = 1)',
      });
    });

    it('says so when the seeds on one wire add up to Infinity', () => {
      const c = new Circuit();
      const a = c.input('a');
      c.mul(a, a, 'x');
      const f = right(c.forward({ a: 1 }));
      const err = left(c.backwardFrom(f, [{ wire: a, upstream: 1e308 }, { wire: a, upstream: 1e308 }]));
      expect(err).to.deep.equal({ _tag: 'CompositionError', message: 'upstream gradients on wire a add up to Infinity' });
    });
  });

  describe('a custom gate that breaks the Gate contract', () => {
    const cases: readonly (readonly [string, () => unknown, string])[] = [
      ['returns two gradients for one input', () => [1, 2], 'broken gate on wire y, backward: backward returned 2 gradients for 1 input'],
      ['returns no gradient', () => [], 'broken gate on wire y, backward: backward returned 0 gradients for 1 input'],
      ['returns a number instead of an array', () => 5, 'broken gate on wire y, backward: backward returned 5 for 1 input'],
      ['returns a string gradient', () => ['1'], 'broken gate on wire y, backward: backward returned "1" for input a, not a number'],
      ['returns a null gradient', () => [null], 'broken gate on wire y, backward: backward returned null for input a, not a number'],
    ];
    for (const [what, backward, message] of cases) {
      it(`is reported when backward ${what}`, () => {
        const c = new Circuit();
        c.apply(brokenGate(backward), [c.input('a')], 'y');
        const err = left(c.backward(right(c.forward({ a: 1 }))));
        expect(err).to.deep.equal({ _tag: 'GateError', pass: 'backward', gate: 'broken', wire: 'y', message });
      });
    }
  });

  describe('a bad backward call', () => {
    function square(): { c: Circuit; a: Wire; x: Wire } {
      const c = new Circuit();
      const a = c.input('a');
      return { c, a, x: c.mul(a, a, 'x') };
    }

    for (const [upstream, shown] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity']] as const) {
      it(`refuses the upstream gradient ${shown}`, () => {
        const { c } = square();
        expect(left(c.backward(right(c.forward({ a: 1 })), upstream))).to.deep.equal({
          _tag: 'CompositionError',
          message: `upstream gradient on wire x must be a finite number, got ${shown}`,
        });
      });
    }

    it('refuses a non-number upstream gradient and a NaN seed', () => {
      const { c, x } = square();
      const f = right(c.forward({ a: 1 }));
      expect(left(c.backward(f, '1' as unknown as number)).message).to.equal('upstream gradient on wire x must be a finite number, got "1"');
      expect(left(c.backwardFrom(f, [{ wire: x, upstream: NaN }])).message).to.equal('upstream gradient on wire x must be a finite number, got NaN');
    });

    it('refuses a forward pass of another circuit', () => {
      const { c } = square();
      const other = square();
      expect(left(c.backward(right(other.c.forward({ a: 1 }))))).to.deep.equal({
        _tag: 'CompositionError',
        message: 'the forward pass belongs to another circuit',
      });
    });

    it('refuses an output wire of another circuit', () => {
      const { c } = square();
      const other = square();
      const f = right(c.forward({ a: 1 }));
      expect(left(c.backward(f, 1, other.x)).message).to.equal('the output wire belongs to another circuit');
      expect(left(c.backwardFrom(f, [{ wire: other.x, upstream: 1 }])).message).to.equal('the output wire belongs to another circuit');
    });

    it('refuses a wire added after the forward pass', () => {
      const { c, x } = square();
      const f = right(c.forward({ a: 1 }));
      const y = c.neg(x, 'y');
      expect(left(c.backward(f, 1, y)).message).to.equal('wire y was added after this forward pass; run forward again');
    });

    it('refuses an empty list of seeds, and a circuit without wires', () => {
      const { c } = square();
      expect(left(c.backwardFrom(right(c.forward({ a: 1 })), [])).message).to.equal('backward needs at least one output wire to start from');
      const empty = new Circuit();
      expect(left(empty.backward(right(empty.forward({})))).message).to.equal('the circuit has no wires to start the backward pass from');
      const ws = empty.workspace();
      right(ws.forward([]));
      expect(left(ws.backward(1)).message).to.equal('the circuit has no wires to start the backward pass from');
    });
  });

  describe('composition mistakes', () => {
    // Each case: the Either-returning `apply` call, the throwing helper, and the exact message.
    interface Case {
      readonly what: string;
      readonly apply: (c: Circuit, a: Wire, b: Wire, foreign: Wire) => E.Either<CircuitError, Wire>;
      readonly helper: (c: Circuit, a: Wire, b: Wire, foreign: Wire) => unknown;
      /** The message, or one for each call when they differ. */
      readonly message: string | { readonly apply: string; readonly helper: string };
    }
    const tern = sumGate('tern', 1, 3);
    const cases: readonly Case[] = [
      {
        what: 'multiply with one input',
        apply: (c, a) => c.apply(new MultiplyGate(), [a]),
        helper: (c, a) => c.applyOrThrow(new MultiplyGate(), [a]),
        message: 'multiply gate takes 2 inputs, got 1',
      },
      {
        what: 'multiply with three inputs',
        apply: (c, a, b) => c.apply(new MultiplyGate(), [a, b, a]),
        helper: (c, a, b) => c.applyOrThrow(new MultiplyGate(), [a, b, a]),
        message: 'multiply gate takes 2 inputs, got 3',
      },
      {
        what: 'max with one input',
        apply: (c, a) => c.apply(new MaxGate(), [a]),
        helper: (c, a) => c.max([a]),
        message: 'max gate takes at least 2 inputs, got 1',
      },
      {
        what: 'add with no inputs',
        apply: (c) => c.apply(new AddGate(), []),
        helper: (c) => c.add([]),
        message: 'add gate takes at least 1 input, got 0',
      },
      {
        what: 'a custom gate with too few inputs',
        apply: (c) => c.apply(tern, []),
        helper: (c) => c.applyOrThrow(tern, []),
        message: 'tern gate takes 1 to 3 inputs, got 0',
      },
      {
        what: 'a custom gate with too many inputs',
        apply: (c, a, b) => c.apply(tern, [a, b, a, b]),
        helper: (c, a, b) => c.applyOrThrow(tern, [a, b, a, b]),
        message: 'tern gate takes 1 to 3 inputs, got 4',
      },
      {
        what: 'a custom one-input gate with two inputs',
        apply: (c, a, b) => c.apply(sumGate('unary', 1, 1), [a, b]),
        helper: (c, a, b) => c.applyOrThrow(sumGate('unary', 1, 1), [a, b]),
        message: 'unary gate takes 1 input, got 2',
      },
      {
        what: 'a wire from another circuit as the second input',
        apply: (c, a, _b, foreign) => c.apply(new MultiplyGate(), [a, foreign]),
        helper: (c, a, _b, foreign) => c.mul(a, foreign),
        message: 'input 2 of the multiply gate is a wire from another circuit',
      },
      {
        what: 'a wire from another circuit as the first input',
        apply: (c, _a, _b, foreign) => c.apply(new AddGate(), [foreign]),
        helper: (c, _a, _b, foreign) => c.relu(foreign),
        message: {
          apply: 'input 1 of the add gate is a wire from another circuit',
          helper: 'input 1 of the relu gate is a wire from another circuit',
        },
      },
      {
        what: 'a name used twice',
        apply: (c, a) => c.apply(new MultiplyGate(), [a, a], 'a'),
        helper: (c, a) => c.mul(a, a, 'a'),
        message: 'the name a is already used in this circuit',
      },
      {
        what: 'an invalid name',
        apply: (c, a) => c.apply(new MultiplyGate(), [a, a], '1a'),
        helper: (c, a) => c.mul(a, a, '1a'),
        message: '"1a" is not a valid wire name: use letters, digits, _ and $, not starting with a digit',
      },
      {
        what: 'a name kept for unnamed wires',
        apply: (c, a) => c.apply(new MultiplyGate(), [a, a], '_3'),
        helper: (c, a) => c.mul(a, a, '_3'),
        message: 'the name _3 is kept for unnamed wires; choose another',
      },
      {
        what: 'a non-finite constant',
        apply: (c) => c.apply(new ConstantGate(Infinity), []),
        helper: (c) => c.constant(NaN),
        message: { apply: 'a constant must be a finite number, got Infinity', helper: 'a constant must be a finite number, got NaN' },
      },
      {
        what: 'a non-finite pow exponent',
        apply: (c, a) => c.apply(new PowGate(-Infinity), [a]),
        helper: (c, a) => c.pow(a, -Infinity),
        message: 'the exponent of a pow gate must be a finite number, got -Infinity',
      },
      {
        what: 'not a gate (an empty object)',
        apply: (c, a) => c.apply({} as Gate, [a]),
        helper: (c, a) => c.applyOrThrow({} as Gate, [a]),
        message: 'apply needs a Gate (an object with name, arity, forward and backward), got {}',
      },
      {
        what: 'not a gate (null)',
        apply: (c, a) => c.apply(null as unknown as Gate, [a]),
        helper: (c, a) => c.applyOrThrow(null as unknown as Gate, [a]),
        message: 'apply needs a Gate (an object with name, arity, forward and backward), got null',
      },
      {
        what: 'not a gate (a string)',
        apply: (c, a) => c.apply('multiply' as unknown as Gate, [a]),
        helper: (c, a) => c.applyOrThrow('multiply' as unknown as Gate, [a]),
        message: 'apply needs a Gate (an object with name, arity, forward and backward), got "multiply"',
      },
      {
        what: 'not a gate (a function)',
        apply: (c, a) => c.apply(((x: number) => x) as unknown as Gate, [a]),
        helper: (c, a) => c.applyOrThrow(((x: number) => x) as unknown as Gate, [a]),
        message: 'apply needs a Gate (an object with name, arity, forward and backward), got function',
      },
    ];

    const setup = (): { c: Circuit; a: Wire; b: Wire; foreign: Wire } => {
      const c = new Circuit();
      const [a, b] = c.inputs('a', 'b');
      return { c, a: a, b: b, foreign: new Circuit().input('z') };
    };

    for (const k of cases) {
      it(`reports ${k.what}, as a Left from apply and a CircuitException from the helper`, () => {
        const { c, a, b, foreign } = setup();
        const err = left(k.apply(c, a, b, foreign));
        const e = thrown(() => k.helper(c, a, b, foreign));
        const { apply, helper } = typeof k.message === 'string' ? { apply: k.message, helper: k.message } : k.message;
        expect(err).to.deep.equal({ _tag: 'CompositionError', message: apply });
        expect(e.error).to.deep.equal({ _tag: 'CompositionError', message: helper });
        expect(e.message).to.equal(helper);
        // a refused gate leaves the circuit as it was
        expect(c.size).to.equal(2);
        expect(c.wire('a')!.index).to.equal(0);
      });
    }

    it('says "at least 1 input" (singular) for add with no inputs', () => {
      const c = new Circuit();
      expect(left(c.apply(new AddGate(), [])).message).to.equal('add gate takes at least 1 input, got 0');
    });

    it('says that an input is not a wire when it is not one', () => {
      const c = new Circuit();
      const err = left(c.apply(new AddGate(), [null as unknown as Wire]));
      expect(err.message).to.equal('input 1 of the add gate is not a wire, got null');
    });

    it('reports a duplicate or invalid input name where the input is declared', () => {
      const c = new Circuit();
      c.input('a');
      expect(thrown(() => c.input('a')).error).to.deep.equal({ _tag: 'CompositionError', message: 'the name a is already used in this circuit' });
      expect(thrown(() => c.input('a b')).message).to.equal('"a b" is not a valid wire name: use letters, digits, _ and $, not starting with a digit');
      expect(thrown(() => c.input('')).message).to.equal('"" is not a valid wire name: use letters, digits, _ and $, not starting with a digit');
      expect(thrown(() => c.input(5 as unknown as string)).message).to.equal('5 is not a valid wire name: use letters, digits, _ and $, not starting with a digit');
      expect(thrown(() => c.input('_3')).message).to.equal('the name _3 is kept for unnamed wires; choose another');
      expect(thrown(() => c.inputs('b', 'b')).message).to.equal('the name b is already used in this circuit');
      // inputs() checks every name first: a mistake declares none of them
      expect(c.inputNames).to.deep.equal(['a']);
    });

    it('accepts names that only look like the unnamed ones: w3, _, _x, $1', () => {
      const c = new Circuit();
      const names = ['w3', '_', '_x', '$1'];
      expect(c.inputs(...names).map((w) => w.name)).to.deep.equal(names);
    });
  });

  describe('orThrow', () => {
    it('returns the value of a Right', () => {
      const c = new Circuit();
      const a = c.input('a');
      c.mul(a, a);
      expect(orThrow(c.forward({ a: 3 })).output).to.equal(9);
    });

    it('throws a CircuitException carrying the Left', () => {
      const c = new Circuit();
      c.input('a');
      const result = c.forward({});
      const e = thrown(() => orThrow(result));
      expect(e.error).to.deep.equal({ _tag: 'InputError', input: 'a', message: 'input a is missing' });
      expect(e.error).to.deep.equal(left(result));
      expect(e.message).to.equal('input a is missing');
    });
  });
});

function expectCloseValue(actual: number, expected: number): void {
  expect(actual).to.be.closeTo(expected, 1e-12 * Math.abs(expected));
}
