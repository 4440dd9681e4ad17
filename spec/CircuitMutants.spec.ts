import { expect } from 'chai';
import * as E from 'fp-ts/Either';
import { Circuit, CircuitException, MultiplyGate, ReluGate, compile, gateCode, orThrow, type Gate, type GateCode } from '../lib/index';
import { left } from './chapter/support';

// Cases found by mutation testing (npm run mutation): each pins down a
// behaviour of lib/Circuit.ts that no other spec checked.
describe('Circuit, at the edges mutation testing found', () => {
  function product(): Circuit {
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    c.mul(a, b, 'x');
    return c;
  }

  it('checks every value of a Float64Array of inputs, and names the first bad one', () => {
    const c = product();
    expect(left(c.forwardArray(Float64Array.of(1, NaN))).message).to.equal('input b must be a finite number, got NaN');
    expect(left(c.forwardArray(Float64Array.of(Infinity, NaN))).message).to.equal('input a must be a finite number, got Infinity');
    expect(left(c.forwardArray(Float64Array.of(1, 2, 3))).message).to.equal('expected 2 input values (a, b), got 3');
    expect(orThrow(c.forwardArray(Float64Array.of(-2, 3))).output).to.equal(-6);
    expect(left(c.workspace().forward(Float64Array.of(-Infinity, 1))).message).to.equal('input a must be a finite number, got -Infinity');
  });

  it('finds an unnamed wire by _<index> only where that is its name', () => {
    const c = new Circuit();
    const a = c.input('a');
    const y = c.neg(a);
    expect(c.wire(`_${String(y.index)}`)?.index).to.equal(y.index);
    expect(c.wire('_0')).to.equal(undefined); // wire 0 is called a
    expect(c.wire('_99')).to.equal(undefined);
    expect(c.nameOf(0)).to.equal('a');
    expect(c.nameOf(7)).to.equal('_7');
  });

  it('refuses indices that are not wires: fractions, negatives, the size', () => {
    const c = product();
    for (const bad of [1.5, -1, 3]) expect(() => c.node(bad), String(bad)).to.throw(CircuitException, `there is no wire ${String(bad)}`);
    expect(c.node(2).gate).to.be.instanceOf(MultiplyGate);
  });

  it('gives a copy of the input names', () => {
    const c = product();
    (c.inputNames as string[]).push('z');
    expect(c.inputNames).to.deep.equal(['a', 'b']);
  });

  it('refuses objects that are not gates, naming what is missing', () => {
    const c = new Circuit();
    const a = c.input('a');
    const good = { name: 'id', arity: { min: 1, max: 1 }, forward: ([x = 0]: readonly number[]) => x, backward: (_: readonly number[], _y: number, dy: number) => [dy] };
    const broken: readonly unknown[] = [
      { ...good, name: 1 },
      { ...good, forward: 1 },
      { ...good, backward: 1 },
      { ...good, arity: 1 },
      { ...good, arity: { min: '1', max: 1 } },
      { ...good, arity: { min: 1, max: '1' } },
      null,
    ];
    for (const g of broken) {
      const r = c.apply(g as Gate, [a]);
      expect(E.isLeft(r) && r.left.message, JSON.stringify(g)).to.match(/^apply needs a Gate \(an object with name, arity, forward and backward\), got /);
    }
    expect(E.isRight(c.apply(good, [a]))).to.equal(true);
  });

  it('says "1 to 3 inputs" and "2 inputs" for bounded arities', () => {
    const c = new Circuit();
    const a = c.input('a');
    const some: Gate = { name: 'some', arity: { min: 1, max: 3 }, forward: () => 0, backward: (xs) => xs.map(() => 0) };
    const r = c.apply(some, [a, a, a, a]);
    expect(E.isLeft(r) && r.left.message).to.equal('some gate takes 1 to 3 inputs, got 4');
    const m = c.apply(new MultiplyGate(), [a]);
    expect(E.isLeft(m) && m.left.message).to.equal('multiply gate takes 2 inputs, got 1');
  });

  describe('gateCode', () => {
    it('is a built-in gate\'s code, and a custom gate\'s own', () => {
      expect(gateCode(new MultiplyGate())?.forward(['a', 'b'])).to.equal('a * b');
      const custom: Gate = { name: 'twice', arity: { min: 1, max: 1 }, forward: ([x = 0]) => 2 * x, backward: (_xs, _y, dy) => [2 * dy], code: { forward: ([x]) => `2 * ${x ?? ''}`, backward: (_xs, _y, dy) => [`2 * ${dy}`] } };
      expect(gateCode(custom)?.forward(['a'])).to.equal('2 * a');
      expect(gateCode({ ...custom, code: undefined } as unknown as Gate)).to.equal(undefined);
    });

    it('calls a subclass that overrides the math through its methods, even with code of its own', () => {
      class Leaky extends ReluGate {
        override forward([a = NaN]: readonly number[]): number {
          return a > 0 ? a : 0.1 * a;
        }
        override backward([a = NaN]: readonly number[], _y: number, dy: number): number[] {
          return [a > 0 ? dy : 0.1 * dy];
        }
      }
      class LeakyWithCode extends Leaky {
        override readonly code: GateCode = {
          forward: ([a = '']) => `(${a} > 0 ? ${a} : 0.1 * ${a})`,
          backward: ([a = ''], _y, dy) => [`(${a} > 0 ? ${dy} : 0.1 * ${dy})`],
        };
      }
      class PlainSubclass extends ReluGate {}
      expect(gateCode(new Leaky())).to.equal(undefined);
      expect(gateCode(new LeakyWithCode())).to.equal(undefined);
      expect(gateCode(new PlainSubclass())?.forward(['a'])).to.equal('Math.max(a, 0)');
      for (const gate of [new Leaky(), new LeakyWithCode()]) {
        const c = new Circuit();
        c.applyOrThrow(gate, [c.input('a')], 'y');
        const r = orThrow(compile(c).run([-2]));
        expect(r.forward.output).to.be.closeTo(-0.2, 1e-15);
        expect(r.gradients[0]).to.be.closeTo(0.1, 1e-15);
      }
    });
  });
});
