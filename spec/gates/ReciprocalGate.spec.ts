import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { Circuit, ReciprocalGate, orThrow } from '../../lib/index';
import { awayFromZero, describeGateContract, upstreamGradient } from '../contract/gateContract';

describeGateContract('ReciprocalGate', () => new ReciprocalGate(), {
  value: awayFromZero(0.1, 10),
  edgePoints: () => [[0], [-0], [1e-200], [-1e-200], [1e-160], [1e300], [-1e300], [Number.MIN_VALUE], [Number.MAX_VALUE], [4]],
});

/** The chapter's x = (a + b) / (c + d) as x1 = a + b, x2 = c + d, x3 = 1.0 / x2, x = x1 * x3. */
function division(): Circuit {
  const c = new Circuit();
  const a = c.input('a');
  const b = c.input('b');
  const cc = c.input('c');
  const d = c.input('d');
  const x1 = c.add([a, b], 'x1');
  const x2 = c.add([cc, d], 'x2');
  const x3 = c.reciprocal(x2, 'x3');
  c.mul(x1, x3, 'x');
  return c;
}

describe('ReciprocalGate', () => {
  it('computes 1.0 / a', () => {
    expect(new ReciprocalGate().forward([4])).to.equal(0.25);
    expect(new ReciprocalGate().forward([-0.5])).to.equal(-2);
  });

  it('passes (-1.0 / (a * a)) * dx, the chapter\'s local gradient times the upstream gradient it leaves out', () => {
    // The chapter writes `var da = -1.0/(a*a);`, without `* dx`: right only for dx = 1.
    const inv = new ReciprocalGate();
    const chapterLiteral = -1.0 / (4 * 4);
    expect(inv.backward([4], 0.25, 1)).to.deep.equal([chapterLiteral]);
    expect(inv.backward([4], 0.25, 3)).to.deep.equal([-0.1875]);
    expect(inv.backward([4], 0.25, 3)[0]).to.not.equal(chapterLiteral);
    fc.assert(
      fc.property(awayFromZero(1e-3, 1e3), upstreamGradient, (a, dx) => {
        const [da] = inv.backward([a], 1 / a, dx);
        const ref = -dx / (a * a);
        expect(da).to.be.closeTo(ref, 1e-14 * Math.abs(ref));
      }),
    );
  });

  it('follows IEEE arithmetic when called directly: 1/0 is Infinity and 1/-0 is -Infinity', () => {
    expect(new ReciprocalGate().forward([0])).to.equal(Infinity);
    expect(new ReciprocalGate().forward([-0])).to.equal(-Infinity);
  });

  // Decision (ReciprocalGate.ts): 1/0 in a circuit is an error value naming the gate and the wire.
  it('turns 1/0 in a circuit into a Left naming the gate and the wire', () => {
    const result = division().forward({ a: 1, b: 2, c: 1, d: -1 });
    expect(E.isLeft(result) && result.left).to.deep.equal({
      _tag: 'GateError',
      pass: 'forward',
      gate: 'reciprocal',
      wire: 'x3',
      message: 'reciprocal gate on wire x3: input x2 = 0 gives Infinity',
    });
  });

  it('turns 1/-0 into a Left that shows the -0', () => {
    const c = new Circuit();
    c.reciprocal(c.input('a'), 'y');
    const result = c.forward({ a: -0 });
    expect(E.isLeft(result) && result.left.message).to.equal('reciprocal gate on wire y: input a = -0 gives -Infinity');
  });

  it('turns a gradient that overflows into a Left naming the gate, the wire and the input', () => {
    const c = division();
    const fwd = orThrow(c.forward({ a: 1, b: 2, c: 1e-200, d: 0 }));
    expect(fwd.output).to.equal(3e200);
    const result = c.backward(fwd);
    expect(E.isLeft(result) && result.left).to.deep.equal({
      _tag: 'GateError',
      pass: 'backward',
      gate: 'reciprocal',
      wire: 'x3',
      message: 'reciprocal gate on wire x3, backward: gradient into x2 becomes -Infinity (inputs x2 = 1e-200; upstream dx3 = 3)',
    });
  });
});
