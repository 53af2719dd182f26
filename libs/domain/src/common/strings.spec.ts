import { orderKey } from '@clearance/contracts';
import { isBlank, isGuidForm, isOrderKeyOf } from './strings';
import { seededRandom } from '../testing/random';

describe('hot-path string tests agree with the obvious forms they replace', () => {
  // seeded, so a failure reproduces
  const { random } = seededRandom(42);
  const pick = <T>(xs: ReadonlyArray<T>): T => xs[Math.floor(random() * xs.length)];
  // whitespace of every kind trim() knows, look-alikes, ASCII, CJK, surrogates
  const alphabet = [' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u1680', '\u2000', '\u200a', '\u2028'];
  alphabet.push('\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u200b', '\u0085', ':', 'a', 'Z', '0');
  alphabet.push('~', '\u007f', '\u0000', '!', '-', '中', '😀', 'é', '9', 'A', '@', '[', '/');
  const text = (max: number): string =>
    Array.from({ length: Math.floor(random() * max) }, () => pick(alphabet)).join('');

  it('isBlank(v) is v.trim().length === 0, over 100,000 strings', () => {
    const texts = ['', ' ', 'a', ' a', 'a ', '\u3000', '\ufeffx'];
    for (let n = 0; n < 100_000; n++) texts.push(text(5));
    expect(texts.filter((v) => isBlank(v) !== (v.trim().length === 0))).toEqual([]);
  });

  it('isOrderKeyOf(doc, key) is orderKey(doc) === key, over 100,000 cases', () => {
    const wrong: string[] = [];
    for (let n = 0; n < 100_000; n++) {
      const doc = { ebpCode: text(4), orderNo: text(4) };
      if (n % 50 === 0) (doc as Record<string, unknown>)[n % 100 === 0 ? 'ebpCode' : 'orderNo'] = null;
      // half the keys are the document's own key, some of them cut and extended
      let key = random() < 0.5 ? orderKey(doc) : `${text(4)}:${text(4)}`;
      if (random() < 0.3) key = key.slice(0, Math.floor(random() * key.length)) + text(2);
      if (isOrderKeyOf(doc, key) !== (orderKey(doc) === key)) wrong.push(JSON.stringify([doc, key]));
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('isGuidForm(v) is /^[0-9A-Z-]{36}$/.test(v), over 100,000 strings', () => {
    const guidChars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-'.split('');
    const near = [...guidChars, 'a', 'z', '@', '[', '/', ':', '中', ' ', '\n'];
    const texts = ['', '9CC1319D-039D-7F24-1FE6-E5F882D35510', '9CC1319D-039D-7F24-1FE6-E5F882D3551'];
    for (let n = 0; n < 100_000; n++) {
      const length = random() < 0.8 ? 36 : Math.floor(random() * 40);
      const chars = random() < 0.5 ? guidChars : near;
      texts.push(Array.from({ length }, () => pick(chars)).join(''));
    }
    const reference = /^[0-9A-Z-]{36}$/;
    expect(texts.filter((v) => isGuidForm(v) !== reference.test(v))).toEqual([]);
  });
});
