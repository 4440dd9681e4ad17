import { expect } from 'chai';
import fc from 'fast-check';
import { NOT_A_NAME, NameList, RESERVED_NAME, scanName, scanRange } from '../lib/names';

// The core's table of wire names (lib/names.ts): a name that ends in a
// number hashes by its prefix and number, so that numbered names fill the
// table in order; these check that every name is still found, and only its
// own, across the table's growth, for names made to collide.

/** Adds `names` (distinct) to a list, checking each position, then finds each one and a few absent ones. */
function roundTrip(names: readonly string[], absent: readonly string[]): void {
  const list = new NameList();
  names.forEach((name, k) => {
    expect(list.add(name, scanName(name)), name).to.equal(k);
  });
  expect(list.length).to.equal(names.length);
  names.forEach((name, k) => {
    expect(list.indexOf(name), name).to.equal(k);
    expect(list.at(k)).to.equal(name);
    // a second add of the same name is refused and changes nothing
    expect(list.add(name, scanName(name)), name).to.equal(-1);
  });
  for (const name of absent) expect(list.indexOf(name), name).to.equal(-1);
  expect(list.length).to.equal(names.length);
}

describe('names (the core name table)', () => {
  it('finds 100,000 numbered names of five prefixes, and not the numbers next to them', () => {
    const names: string[] = [];
    for (let i = 0; i < 20_000; i++) for (const p of ['a', 'x', 'b', 'y', 'c']) names.push(`${p}${String(i)}`);
    roundTrip(names, ['a20000', 'x20001', 'z0', 'a', 'a00', 'a01', 'b01']);
  });

  it('keeps names apart that differ only in leading zeros or in digits past nine', () => {
    const names = ['x7', 'x07', 'x007', 'x0', 'x00', 'x000', 'a1234567890', 'a2234567890', 'a11234567890', 'a1', 'a01234567890'];
    roundTrip(names, ['x0007', 'x70', 'a3234567890', 'a234567890']);
  });

  it('spreads names that all end in the same digit (30,000 of them)', () => {
    const letters = 'abcdefghijklmnop';
    const names: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      const word = i.toString(16).replace(/[0-9a-f]/g, (d) => letters[parseInt(d, 16)] ?? '');
      names.push(`neuron${word}_0`);
    }
    roundTrip(names, ['neuron_0', 'neurona_1', 'neuronq_0']);
  });

  it('finds every name of random lists, numbered or not, after the table grows', () => {
    const name = fc.oneof(
      fc.tuple(fc.constantFrom('w', 'b', 'x', 'h1_', '$'), fc.nat({ max: 5000 }), fc.boolean()).map(([p, n, zero]) => `${p}${zero ? '0' : ''}${String(n)}`),
      fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/),
    );
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 600 }), fc.array(name, { maxLength: 20 }), (names, others) => {
        roundTrip(names, others.filter((o) => !names.includes(o)));
      }),
      { numRuns: 60 },
    );
  });

  it('reads a name inside a longer text as it reads the name alone (`_` is a name there too, `_12` is kept)', () => {
    // (a mutant counted the underscore's place in the text instead of the name's length)
    expect(scanRange('a * _', 4, 5)).to.equal(scanName('_')).and.to.be.at.least(0);
    expect(scanRange('a * _12', 4, 7)).to.equal(RESERVED_NAME);
    expect(scanRange('x = w20 + 1', 4, 7)).to.equal(scanName('w20'));
  });

  it('keeps every name, the last one included, after trimming its spare room, and grows again after', () => {
    const list = new NameList();
    const names = ['alpha', 'b7', 'gamma'];
    names.forEach((n) => list.add(n, scanName(n)));
    list.trim();
    names.forEach((n, k) => {
      expect(list.at(k)).to.equal(n);
      expect(list.indexOf(n)).to.equal(k);
    });
    expect(list.add('delta', scanName('delta'))).to.equal(3);
    expect([0, 1, 2, 3].map((k) => list.at(k))).to.deep.equal([...names, 'delta']);
  });

  it('says which strings are not names, and which are kept for unnamed wires', () => {
    expect(scanName('')).to.equal(NOT_A_NAME);
    expect(scanName('1a')).to.equal(NOT_A_NAME);
    expect(scanName('a-b')).to.equal(NOT_A_NAME);
    expect(scanName('é')).to.equal(NOT_A_NAME);
    expect(scanName('_12')).to.equal(RESERVED_NAME);
    expect(scanName('_')).to.be.at.least(0);
    expect(scanName('_1a')).to.be.at.least(0);
    expect(scanName('a_12')).to.be.at.least(0);
    // the edges of each range of characters: A-Z, a-z, 0-9, and their neighbours
    for (const ok of ['A', 'Z', 'a', 'z', '$', '_a', 'a0', 'a9', 'AZaz09']) expect(scanName(ok), ok).to.be.at.least(0);
    for (const bad of ['@', '[', '`', '{', 'a/', 'a:', '0a', '9']) expect(scanName(bad), bad).to.equal(NOT_A_NAME);
  });

  it('gives back long names whole (65 characters, 4,097, and 300,000: more than one call takes as arguments)', () => {
    const long = (n: number, c: string): string => `${c}${'x'.repeat(n - 2)}9`;
    roundTrip([long(64, 'a'), long(65, 'b'), long(4096, 'c'), long(4097, 'd'), long(300_000, 'e'), 'f'], [long(65, 'g'), long(300_000, 'h')]);
  });
});
