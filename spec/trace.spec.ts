import { expect } from 'chai';
import { Circuit, formatGradcheck, formatNumber, formatTrace, orThrow, traceTable, type GradcheckReport } from '../lib/index';

/** The chapter's neuron, f = sig(a*x + b*y + c), at the values of the chapter before. */
function neuron() {
  const c = new Circuit();
  const [a, b, cc, x, y] = c.inputs('a', 'b', 'c', 'x', 'y');
  const q = c.add([c.mul(a, x), c.mul(b, y), cc], 'q');
  c.sigmoid(q, 'f');
  const fwd = orThrow(c.forward({ a: 1, b: 2, c: -3, x: -1, y: 3 }));
  return { c, fwd, bwd: orThrow(c.backward(fwd, 1)) };
}

describe('traceTable', () => {
  it('lists every wire in order with its expression, value and gradient', () => {
    const c = new Circuit();
    const [a, b] = c.inputs('a', 'b');
    const one = c.constant(1, 'one');
    c.add([c.mul(a, b, 'x'), one, c.pow(a, 2)], 'y');
    const fwd = orThrow(c.forward({ a: 2, b: -3 }));
    expect(traceTable(fwd, orThrow(c.backward(fwd)))).to.deep.equal([
      { wire: 'a', expression: 'input', value: 2, gradient: -3 + 4 },
      { wire: 'b', expression: 'input', value: -3, gradient: 2 },
      { wire: 'one', expression: '1', value: 1, gradient: 1 },
      { wire: 'x', expression: 'multiply(a, b)', value: -6, gradient: 1 },
      { wire: '_4', expression: 'pow(a, 2)', value: 4, gradient: 1 },
      { wire: 'y', expression: 'add(x, one, _4)', value: -1, gradient: 1 },
    ]);
  });

  it('leaves the gradients undefined when no backward pass is given', () => {
    const { fwd } = neuron();
    const rows = traceTable(fwd);
    expect(rows.map((r) => r.gradient)).to.deep.equal(new Array(9).fill(undefined));
    expect(rows.map((r) => r.wire)).to.deep.equal(['a', 'b', 'c', 'x', 'y', '_5', '_6', 'q', 'f']);
  });

  it('shows the gradients of a backward pass started with an explicit upstream', () => {
    const { c, fwd } = neuron();
    const rows = traceTable(fwd, orThrow(c.backward(fwd, -2)));
    expect(rows[8]!.gradient).to.equal(-2);
    expect(rows[0]!.gradient).to.be.closeTo(2 * 0.104993585, 1e-9);
  });
});

describe('formatTrace', () => {
  it('renders the neuron as an aligned table of values and gradients', () => {
    const { fwd, bwd } = neuron();
    expect(formatTrace(fwd, bwd)).to.equal([
      'wire  expression         value   gradient',
      '----  --------------  --------  ---------',
      'a     input                  1  -0.104994',
      'b     input                  2   0.314981',
      'c     input                 -3   0.104994',
      'x     input                 -1   0.104994',
      'y     input                  3   0.209987',
      '_5    multiply(a, x)        -1   0.104994',
      '_6    multiply(b, y)         6   0.104994',
      'q     add(_5, _6, c)         2   0.104994',
      'f     sigmoid(q)      0.880797          1',
    ].join('\n'));
  });

  it('leaves out the gradient column without a backward pass', () => {
    const c = new Circuit();
    const [a] = c.inputs('a');
    c.reciprocal(a, 'x');
    expect(formatTrace(orThrow(c.forward({ a: 4 })))).to.equal([
      'wire  expression     value',
      '----  -------------  -----',
      'a     input              4',
      'x     reciprocal(a)   0.25',
    ].join('\n'));
  });

  it('shows as many digits as asked for', () => {
    const { fwd, bwd } = neuron();
    const lines = formatTrace(fwd, bwd, { digits: 12 }).split('\n');
    expect(lines[10]).to.equal('f     sigmoid(q)      0.880797077978                1');
    expect(lines[2]).to.equal('a     input                        1  -0.104993585404');
  });
});

describe('formatGradcheck', () => {
  const report: GradcheckReport = {
    ok: true, kinks: true, output: 0, step: 1e-6, rtol: 1e-3, atol: 1e-5,
    checks: [
      { input: 'a', value: 0, analytic: 0, numeric: 0.5, left: 0, right: 1, absError: 0.5, relError: 1, status: 'kink' },
      { input: 'bb', value: -2.5, analytic: 1, numeric: 1.0000000000287557, left: 1, right: 1, absError: 2.87557e-11, relError: 2.87557e-11, status: 'pass' },
    ],
  };

  it('renders one line per input and a summary', () => {
    expect(formatGradcheck(report)).to.equal([
      'input  value  analytic  numeric  abs error  rel error  status',
      '-----  -----  --------  -------  ---------  ---------  ------',
      'a          0         0      0.5        0.5          1  kink',
      'bb      -2.5         1        1   2.88e-11   2.88e-11  pass',
      'ok, with kinks: 1 pass, 1 kink, 0 fail (step 1e-6, rtol 0.001, atol 1e-5)',
    ].join('\n'));
  });

  it('says FAILED when an input fails', () => {
    const failed: GradcheckReport = { ...report, ok: false, kinks: false, checks: [{ ...report.checks[1]!, analytic: 2, status: 'fail' }] };
    expect(formatGradcheck(failed).split('\n').pop()).to.equal('FAILED: 0 pass, 0 kink, 1 fail (step 1e-6, rtol 0.001, atol 1e-5)');
  });
});

describe('formatNumber', () => {
  it('shows integers in full and other numbers to six significant digits', () => {
    expect(formatNumber(-6)).to.equal('-6');
    expect(formatNumber(0.10499358540350649)).to.equal('0.104994');
    expect(formatNumber(123456.789)).to.equal('123457');
  });

  it('uses exponent form for tiny numbers, without trailing zeros', () => {
    expect(formatNumber(4.248354255291589e-18)).to.equal('4.24835e-18');
    expect(formatNumber(1e-6)).to.equal('1e-6');
    expect(formatNumber(1e-5, 3)).to.equal('1e-5');
  });

  it('shows -0 as 0 and keeps non-finite numbers readable', () => {
    expect(formatNumber(-0)).to.equal('0');
    expect(formatNumber(NaN)).to.equal('NaN');
    expect(formatNumber(-Infinity)).to.equal('-Infinity');
  });
});
