import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { Circuit, FiniteNumber, decodeInputs, inputAssignmentCodec, type InputError } from '../lib/index';
import { left, right } from './chapter/support';

const inputError = (input: string, message: string): InputError => ({ _tag: 'InputError', input, message });

/** x = a * b, with inputs a and b. */
function product(): Circuit {
  const c = new Circuit();
  const [a, b] = c.inputs('a', 'b');
  c.mul(a, b, 'x');
  return c;
}

// Each bad assignment for inputs (a, b), and the exact error it gives.
const badRecords: readonly (readonly [string, unknown, InputError])[] = [
  ['a missing input', { a: 1 }, inputError('b', 'input b is missing')],
  ['an input set to undefined', { a: undefined, b: 1 }, inputError('a', 'input a is missing')],
  ['an unknown input', { a: 1, b: 2, z: 3 }, inputError('z', 'input z is unknown (the inputs are a, b)')],
  ['a string', { a: '2', b: 2 }, inputError('a', 'input a must be a finite number, got "2"')],
  ['null', { a: null, b: 2 }, inputError('a', 'input a must be a finite number, got null')],
  ['an object', { a: { k: 1 }, b: 2 }, inputError('a', 'input a must be a finite number, got {"k":1}')],
  ['a boolean', { a: 1, b: true }, inputError('b', 'input b must be a finite number, got true')],
  ['NaN', { a: NaN, b: 2 }, inputError('a', 'input a must be a finite number, got NaN')],
  ['Infinity', { a: 1, b: Infinity }, inputError('b', 'input b must be a finite number, got Infinity')],
  ['-Infinity', { a: -Infinity, b: 2 }, inputError('a', 'input a must be a finite number, got -Infinity')],
  [
    'several mistakes at once (named in input order, then unknown names)',
    { z: 0, b: NaN },
    inputError('a', 'input a is missing; input b must be a finite number, got NaN; input z is unknown (the inputs are a, b)'),
  ],
  ['null instead of an object', null, inputError('', 'input values must be an object such as { a: 1, b: 1 }, got null')],
  ['an array instead of an object', [1, 2], inputError('', 'input values must be an object such as { a: 1, b: 1 }, got [1,2]')],
  ['a number instead of an object', 5, inputError('', 'input values must be an object such as { a: 1, b: 1 }, got 5')],
];

describe('inputs', () => {
  describe('decodeInputs', () => {
    for (const [what, value, error] of badRecords) {
      it(`gives a Left naming the input for ${what}`, () => {
        expect(left(decodeInputs(['a', 'b'], value))).to.deep.equal(error);
      });
    }

    it('says the circuit has no inputs when an input is given to one without', () => {
      expect(left(decodeInputs([], { a: 1 }))).to.deep.equal(inputError('a', 'input a is unknown (the circuit has no inputs)'));
      expect(right(decodeInputs([], {}))).to.deep.equal({});
    });

    it('decodes parsed JSON', () => {
      expect(right(decodeInputs(['a', 'b'], JSON.parse('{"a": -2, "b": 5.5}')))).to.deep.equal({ a: -2, b: 5.5 });
      expect(left(decodeInputs(['a', 'b'], JSON.parse('{"a": -2, "b": "5.5"}'))).message).to.equal('input b must be a finite number, got "5.5"');
    });

    it('accepts every assignment of finite numbers to exactly the inputs, unchanged', () => {
      fc.assert(
        fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), (a, b) => {
          const decoded = right(decodeInputs(['a', 'b'], { a, b }));
          expect(Object.is(decoded.a, a) && Object.is(decoded.b, b)).to.equal(true);
        }),
      );
    });

    it('refuses every non-finite value, naming the input', () => {
      fc.assert(
        fc.property(fc.constantFrom(NaN, Infinity, -Infinity), fc.boolean(), (bad, first) => {
          const [name, value] = first ? ['a', { a: bad, b: 1 }] : ['b', { a: 1, b: bad }];
          expect(left(decodeInputs(['a', 'b'], value))).to.deep.equal(inputError(name, `input ${name} must be a finite number, got ${String(bad)}`));
        }),
      );
    });

    it('feeds a decoded assignment into forward', () => {
      const c = product();
      const run = (json: string): E.Either<string, number> =>
        pipe(
          decodeInputs(c.inputNames, JSON.parse(json)),
          E.chainW((p) => c.forward(p)),
          E.bimap((e) => e.message, (f) => f.output),
        );
      expect(run('{"a": 3, "b": -4}')).to.deep.equal(E.right(-12));
      expect(run('{"a": 3}')).to.deep.equal(E.left('input b is missing'));
    });
  });

  describe('inputAssignmentCodec', () => {
    it('is an io-ts codec whose is() agrees with its decode()', () => {
      const codec = inputAssignmentCodec(['a', 'b']);
      expect(codec.name).to.equal('InputAssignment(a, b)');
      expect(codec.is({ a: 1, b: 2 })).to.equal(true);
      for (const [what, value] of badRecords) {
        expect(codec.is(value), what).to.equal(false);
        expect(E.isLeft(codec.decode(value)), what).to.equal(true);
      }
      expect(codec.encode({ a: 1, b: 2 })).to.deep.equal({ a: 1, b: 2 });
    });
  });

  describe('FiniteNumber', () => {
    it('accepts finite numbers and refuses NaN, ±Infinity and non-numbers', () => {
      for (const ok of [0, -0, 2.5, -1e308, Number.MIN_VALUE]) expect(E.isRight(FiniteNumber.decode(ok)), String(ok)).to.equal(true);
      const bad: readonly unknown[] = [NaN, Infinity, -Infinity, '1', null, undefined, {}];
      bad.forEach((value, i) => {
        expect(FiniteNumber.is(value), `bad value #${String(i)}`).to.equal(false);
        expect(E.isLeft(FiniteNumber.decode(value)), `bad value #${String(i)}`).to.equal(true);
      });
    });
  });

  describe('Circuit.forward (a record of named values)', () => {
    for (const [what, value, error] of badRecords) {
      it(`gives the same Left as decodeInputs for ${what}`, () => {
        expect(left(product().forward(value as Record<string, number>))).to.deep.equal(error);
      });
    }
  });

  describe('Circuit.forwardArray (values by position)', () => {
    const cases: readonly (readonly [string, unknown[], InputError])[] = [
      ['too few values', [1], inputError('', 'expected 2 input values (a, b), got 1')],
      ['too many values', [1, 2, 3], inputError('', 'expected 2 input values (a, b), got 3')],
      ['no values', [], inputError('', 'expected 2 input values (a, b), got 0')],
      ['NaN', [1, NaN], inputError('b', 'input b must be a finite number, got NaN')],
      ['Infinity', [Infinity, 1], inputError('a', 'input a must be a finite number, got Infinity')],
      ['-Infinity', [1, -Infinity], inputError('b', 'input b must be a finite number, got -Infinity')],
      ['a string', ['1', 2], inputError('a', 'input a must be a finite number, got "1"')],
      ['null', [1, null], inputError('b', 'input b must be a finite number, got null')],
      ['an object', [{}, 1], inputError('a', 'input a must be a finite number, got {}')],
    ];
    for (const [what, values, error] of cases) {
      it(`gives a Left naming the input for ${what}`, () => {
        expect(left(product().forwardArray(values as number[]))).to.deep.equal(error);
      });
    }

    it('takes the values in the order the inputs were declared, from an array or a Float64Array', () => {
      const c = new Circuit();
      const [b, a] = c.inputs('b', 'a');
      c.sub(b, a, 'x');
      expect(right(c.forwardArray([5, 3])).output).to.equal(2);
      expect(right(c.forwardArray(Float64Array.of(5, 3))).inputs()).to.deep.equal({ b: 5, a: 3 });
    });

    // No particular input is wrong, so the error's `input` is ''.
    it('does not blame a particular input for a wrong number of values', () => {
      const err = left(product().forwardArray([1]));
      expect(err._tag === 'InputError' ? err.input : undefined).to.equal('');
    });
  });
});
