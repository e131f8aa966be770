import { isXmlChar } from '../xmlChars';

/** The entities XML itself declares (XML 1.0 §4.6); a document without a DTD can use no other. */
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/**
 * An `entityDecoder` for fast-xml-parser that decodes what XML itself defines (the five
 * predefined entities and character references, `&#65;` and `&#x41;`) and nothing else.
 * fast-xml-parser's own decoder leaves character references undecoded unless HTML
 * entities are switched on, and HTML's names are not XML's. derstream refuses DTDs
 * before parsing, so any other name is an undeclared entity: the document is not
 * well-formed, and `refuse` makes the caller's error for it, as for a reference to a
 * character XML does not allow (`&#0;`).
 */
export function xmlEntityDecoder(refuse: (detail: string) => Error) {
  return {
    setExternalEntities: () => undefined,
    addInputEntities: () => undefined,
    reset: () => undefined,
    setXmlVersion: () => undefined,
    decode: (text: string): string =>
      text.replace(/&([^;&\s]*);/g, (reference, name: string) => {
        if (Object.hasOwn(PREDEFINED_ENTITIES, name)) return PREDEFINED_ENTITIES[name]!;
        const codePoint = /^#x[0-9a-fA-F]+$/.test(name)
          ? parseInt(name.slice(2), 16)
          : /^#[0-9]+$/.test(name)
            ? parseInt(name.slice(1), 10)
            : undefined;
        if (codePoint === undefined) throw refuse(`undeclared entity ${reference}`);
        if (!isXmlChar(codePoint)) throw refuse(`character reference ${reference} is not an XML character`);
        return String.fromCodePoint(codePoint);
      }),
  };
}
