import { xmlText } from '../../../pipelines/decode/xmlText';

class Refused extends Error {}
const refuse = (detail: string) => new Refused(detail);
const declared = (encoding: string, body: string, quote = '"') =>
  Buffer.from(`<?xml version="1.0" encoding=${quote}${encoding}${quote}?>${body}`, 'utf8');

describe('xmlText', () => {
  it('reads a document declaring UTF-8 in any spelling, or nothing', () => {
    for (const encoding of ['UTF-8', 'utf-8', 'utf8']) {
      expect(xmlText(declared(encoding, '<a>è</a>'), refuse)).toMatch(/<a>è<\/a>$/);
    }
    expect(xmlText(declared('UTF-8', '<a>è</a>', "'"), refuse)).toMatch(/<a>è<\/a>$/);
    expect(xmlText(Buffer.from('<?xml version="1.0"?><a>è</a>'), refuse)).toMatch(/<a>è<\/a>$/);
  });

  it('reads an ASCII document declaring an encoding that keeps ASCII: it reads the same', () => {
    for (const encoding of ['ISO-8859-1', 'us-ascii', 'windows-1252', 'latin1']) {
      expect(xmlText(declared(encoding, '<a>b</a>'), refuse)).toMatch(/<a>b<\/a>$/);
    }
  });

  it('refuses another declared encoding over text outside ASCII, naming where', () => {
    const body = '<a>Rivière</a>';
    const at = `<?xml version="1.0" encoding="ISO-8859-1"?>${body}`.indexOf('è');
    expect(() => xmlText(declared('ISO-8859-1', body), refuse)).toThrow(
      new Refused(
        `declares encoding "ISO-8859-1" but has a character outside ASCII (character ${at}): derstream reads XML in UTF-8 only`,
      ),
    );
  });

  it('refuses a declared encoding that does not keep ASCII, even over ASCII', () => {
    expect(() => xmlText(declared('UTF-16', '<a>b</a>'), refuse)).toThrow(
      new Refused('declares encoding "UTF-16": derstream reads XML in UTF-8 only'),
    );
  });

  it('refuses bytes that are not UTF-8 before it looks at the declaration', () => {
    expect(() =>
      xmlText(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>è</a>', 'latin1'), refuse),
    ).toThrow(/^is not UTF-8 \(byte 46 is 0xe8\)/);
  });
});
