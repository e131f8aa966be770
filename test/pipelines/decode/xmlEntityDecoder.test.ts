import { xmlEntityDecoder } from '../../../pipelines/decode/xmlEntityDecoder';

class Refused extends Error {}
const { decode } = xmlEntityDecoder((detail) => new Refused(detail));

describe('xmlEntityDecoder', () => {
  it("decodes XML's five entities and character references, decimal and hexadecimal", () => {
    expect(decode('a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;')).toBe('a <b> & "c" \'d\'');
    expect(decode('&#70;eeder-&#x31;&#xfC;&#x1F50B;')).toBe('Feeder-1ü🔋');
    // Decoded once: what a reference stands for is text, not another reference.
    expect(decode('&amp;lt; &#38;amp;')).toBe('&lt; &amp;');
    expect(decode('no references & none; here')).toBe('no references & none; here');
  });

  it.each([
    ['an entity no DTD declared', 'x &nbsp; y', 'undeclared entity &nbsp;'],
    ["a name of the object's prototype", '&constructor;', 'undeclared entity &constructor;'],
    ['a reference without digits', '&#x;', 'undeclared entity &#x;'],
    ['an upper-case X', '&#X41;', 'undeclared entity &#X41;'],
    ['NUL', '&#0;', 'character reference &#0; is not an XML character'],
    ['a surrogate', '&#xD800;', 'character reference &#xD800; is not an XML character'],
    ['beyond Unicode', '&#x110000;', 'character reference &#x110000; is not an XML character'],
  ])("refuses %s with the caller's error", (_what, text, detail) => {
    expect(() => decode(text)).toThrow(new Refused(detail));
  });
});
