import { expect } from 'chai';
import * as E from 'fp-ts/Either';
import { parseCircuit, type Circuit } from '../../lib/index';
import { EOF, Lexer, NAME } from '../../lib/parse/lexer';
import { Names } from '../../lib/parse/names';

// The parser's name table (lib/parse/names.ts): names found by their text in
// the source, plain names in a hash table, numbered ones by prefix and blocks
// of 16 numbers. These pin what its mutation run found unchecked: names that
// share a hash or a slot, blocks a prefix has not used yet, more names than
// the table first makes room for, and its own methods (a word not in the
// source; `add` without a `find` just before it).

/** Each wire as `name = gate(inputs)` (the circuit's own description). */
const shape = (c: Circuit): string[] => Array.from({ length: c.size }, (_, i) => c.describe(i));

function parsedShape(source: string): string[] {
  const r = parseCircuit(source);
  if (E.isLeft(r)) expect.fail(`expected ${JSON.stringify(source)} to parse, got:\n${r.left.message}`);
  return shape(r.right.circuit);
}

/** The lexer's reading of each name of `source`: where it is, and the hashes and number `Names.find` and `add` take. */
function lexedNames(source: string): { start: number; end: number; hash: number; prefixEnd: number; prefixHash: number; number: number }[] {
  const out = [];
  const lexer = new Lexer(source);
  while (lexer.kind !== EOF) {
    if (lexer.kind === NAME) out.push({ start: lexer.start, end: lexer.end, hash: lexer.hash, prefixEnd: lexer.prefixEnd, prefixHash: lexer.prefixHash, number: lexer.number });
    lexer.next();
  }
  return out;
}

/** `a`, `b`, ..., `z`, `aa`, `ab`, ...: names without digits. */
function letters(i: number): string {
  let s = '';
  for (let k = i; k >= 0; k = Math.floor(k / 26) - 1) s = String.fromCharCode(97 + (k % 26)) + s;
  return s;
}

describe('the parser\'s name table (parse/names.ts)', () => {
  describe('through parseCircuit', () => {
    it('tells apart two names with the same hash, one the start of the other (abtZTAsR, then ab)', () => {
      // FNV-1a collisions, found by a meet-in-the-middle search; the table compares lengths and characters after the hash
      expect(new Lexer('ab').hash).to.equal(new Lexer('abtZTAsR').hash);
      expect(parsedShape('var y = abtZTAsR * ab')).to.deep.equal(['abtZTAsR (input)', 'ab (input)', 'y = multiply(abtZTAsR, ab)']);
    });

    it('tells apart two names of one length with the same hash (yiijsv, ktodoe)', () => {
      expect(new Lexer('yiijsv').hash).to.equal(new Lexer('ktodoe').hash);
      expect(parsedShape('var y = yiijsv * ktodoe')).to.deep.equal(['yiijsv (input)', 'ktodoe (input)', 'y = multiply(yiijsv, ktodoe)']);
    });

    it('keeps 300 names without digits apart, each used twice (names that share a slot, across the table\'s growth)', () => {
      const names = Array.from({ length: 300 }, (_, i) => `q${letters(i)}`);
      expect(parsedShape(`var S = ${names.join(' + ')}; var T = S + ${names.join(' + ')}`)).to.deep.equal([
        ...names.map((n) => `${n} (input)`),
        `S = add(${names.join(', ')})`,
        `T = add(S, ${names.join(', ')})`,
      ]);
    });

    it('makes room for more names than it first has (1,000 inputs in 4,889 characters)', () => {
      const names = Array.from({ length: 1000 }, (_, i) => `x${String(i)}`);
      expect(parsedShape(names.join('+'))).to.deep.equal([...names.map((n) => `${n} (input)`), `x = add(${names.join(', ')})`]);
    });

    it('does not find a number in a block of 16 its prefix has not used yet (a17 after a0)', () => {
      expect(parsedShape('var y = a0 * a17')).to.deep.equal(['a0 (input)', 'a17 (input)', 'y = multiply(a0, a17)']);
    });

    it('gives a new prefix whose first number is 16 or more a block of its own (b20 after a4)', () => {
      expect(parsedShape('var y = a4 + b20; var z = y * a4')).to.deep.equal(['a4 (input)', 'b20 (input)', 'y = add(a4, b20)', 'z = multiply(y, a4)']);
    });
  });

  describe('its own methods', () => {
    it('gives a word not in the source its text and length, and no place (-1, -1)', () => {
      const names = new Names('a + bc', 0);
      const word = names.addWord('Math.max', 3);
      const [, bc = expect.fail('no bc')] = lexedNames('a + bc');
      const id = names.add(bc.start, bc.end, bc.hash, bc.prefixEnd, bc.prefixHash, bc.number, 0);
      expect([names.text(word), names.length(word), names.startOf(word), names.endOf(word), names.kind[word]]).to.deep.equal(['Math.max', 8, -1, -1, 3]);
      expect([names.text(id), names.length(id), names.startOf(id), names.endOf(id), names.count]).to.deep.equal(['bc', 2, 4, 6, 2]);
      expect([names.findText('Math.max'), names.findText('bc'), names.findIn(4, 6), names.findText('b')]).to.deep.equal([word, id, id, -1]);
    });

    it('adds a name that find did not just locate: first, after another add, after findText', () => {
      const source = ' x5 x7';
      const [x5 = expect.fail('no x5'), x7 = expect.fail('no x7')] = lexedNames(source);
      const add = (names: Names, n: typeof x5): number => names.add(n.start, n.end, n.hash, n.prefixEnd, n.prefixHash, n.number, 0);
      const find = (names: Names, n: typeof x5): number => names.find(n.start, n.end, n.hash, n.prefixEnd, n.prefixHash, n.number);
      const orders: ((names: Names) => void)[] = [
        (names) => { add(names, x5); add(names, x7); },
        (names) => { add(names, x7); add(names, x5); },
        (names) => { expect(names.findText('x7')).to.equal(-1); add(names, x5); add(names, x7); },
      ];
      for (const order of orders) {
        const names = new Names(source, 0);
        order(names);
        const ids = [find(names, x5), find(names, x7)];
        expect(ids.map((id) => names.text(id))).to.deep.equal(['x5', 'x7']);
        expect([names.findText('x5'), names.findText('x7'), names.findText('x6')]).to.deep.equal([...ids, -1]);
      }
    });
  });
});
