import { expect } from 'chai';
import { SIMPLEGRAD, TFJS, installedVersion, type Peer } from '../bench/peers/install';
import { Value } from '../bench/peers/micrograd';
import { WORKLOADS, chain, layer, random, type Workload } from '../bench/workloads';
import { ENGINES, prepareAll, type EngineName } from '../bench/worker';

// The bench's smoke test: every engine computes the same value and input
// gradients as the hand-written loop on tiny workloads. The peer packages are
// installed by `npm run bench` on first use (bench/.peers/), not by `npm ci`:
// a peer that is not installed is reported as pending here, not installed.
const tiny: readonly Workload[] = [...WORKLOADS.filter((w) => w.gates <= 4), layer(10), chain(10)];
const always: readonly EngineName[] = ['handwritten', 'circuit', 'circuit-alloc', 'compiled', 'micrograd-style'];

describe('bench workloads', () => {
  it('random() gives numbers in [-1, 1), the same for the same seed', () => {
    const r = random(1);
    const xs = Array.from({ length: 10_000 }, r);
    expect(Math.min(...xs)).to.be.at.least(-1).and.below(-0.99);
    expect(Math.max(...xs)).to.be.below(1).and.above(0.99);
    expect(Array.from({ length: 5 }, random(1))).to.deep.equal(xs.slice(0, 5));
  });
});

describe('bench engines', () => {
  for (const w of tiny) {
    it(`the library's engines and micrograd-style agree with the hand-written loop on ${w.name}`, async () => {
      const { engines, disagreement } = await prepareAll(w, w.inputs(), ['simplegrad', 'tfjs']);
      expect(engines).to.deep.equal(always);
      for (const e of always.slice(1)) expect(disagreement[e], e).to.be.at.most(1e-9);
    });
  }

  const peer = (engine: EngineName, p: Peer, tolerance: number): void => {
    it(`${engine} agrees with the hand-written loop (within ${String(tolerance)}) on the tiny workloads`, async function () {
      if (installedVersion(p) !== p.version) this.skip(); // installed by `npm run bench` on first use
      this.timeout(120_000);
      for (const w of tiny) {
        const others = ENGINES.filter((e) => e !== engine && e !== 'handwritten');
        const { engines, disagreement, skipped } = await prepareAll(w, w.inputs(), others);
        if (skipped[engine]?.startsWith('tfjs runs on') === true) continue;
        expect(skipped[engine], w.name).to.equal(undefined);
        expect(engines, w.name).to.deep.equal(['handwritten', engine]);
        expect(disagreement[engine], w.name).to.be.at.most(tolerance);
      }
    });
  };
  peer('simplegrad', SIMPLEGRAD, 1e-9);
  peer('tfjs', TFJS, 1e-4);

  it('micrograd-style backpropagates a 400,000-gate chain without recursion', () => {
    let x = new Value(0.5);
    const w = new Value(1);
    for (let k = 0; k < 200_000; k++) x = x.mul(w).relu();
    x.backward();
    expect(x.data).to.equal(0.5);
    expect(w.grad).to.equal(100_000);
  });
});
