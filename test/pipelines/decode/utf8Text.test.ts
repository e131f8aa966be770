import { utf8Text } from '../../../pipelines/decode/utf8Text';

class Refused extends Error {}
const refuse = (detail: string) => new Refused(detail);
const read = (bytes: number[] | Buffer) => utf8Text(Buffer.from(bytes), refuse);

describe('utf8Text', () => {
  it('reads UTF-8, one to four bytes a character, and drops a byte-order mark', () => {
    expect(read(Buffer.from('\uFEFFRivière 東京 😀', 'utf8'))).toBe('Rivière 東京 😀');
    expect(utf8Text('\uFEFFalready text', refuse)).toBe('already text');
  });

  it.each([
    ['ISO-8859-1 "è"', [0x61, 0xe8, 0x62], 1, 'e8'],
    ['a continuation byte alone', [0x61, 0x62, 0x80], 2, '80'],
    ['an overlong "/"', [0x61, 0xc0, 0xaf], 1, 'c0'],
    ['a surrogate written as UTF-8', [0x61, 0xed, 0xa0, 0x80], 1, 'ed'],
    ['a character cut off at the end', [0x61, 0x62, 0xe2, 0x82], 2, 'e2'],
    ['a lead byte beyond U+10FFFF', [0xf5, 0x80, 0x80, 0x80], 0, 'f5'],
    ['a lead byte followed by ASCII', [0xc3, 0x41], 0, 'c3'],
  ])('refuses %s, naming the first byte that is not UTF-8', (_what, bytes, at, hex) => {
    expect(() => read(bytes)).toThrow(new Refused(`is not UTF-8 (byte ${at} is 0x${hex}); send it as UTF-8`));
  });

  it('names UTF-16 by its byte-order mark, either way round', () => {
    for (const mark of [
      [0xff, 0xfe],
      [0xfe, 0xff],
    ]) {
      expect(() => read([...mark, 0x3c, 0x00])).toThrow(
        /^is UTF-16 \(it starts with a UTF-16 byte-order mark\)/,
      );
    }
  });
});
