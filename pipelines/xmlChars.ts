/**
 * What XML 1.0 can carry (its `Char` production, §2.2): every IEC message derstream reads
 * or writes is XML 1.0, so an mRID or name it accepts from JSON must fit in one too.
 */
export function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

// The complement of isXmlChar in a JavaScript string: C0 controls other than TAB, LF and
// CR; U+FFFE, U+FFFF; and unpaired surrogates.
const NOT_XML_CHAR =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` holds a character XML 1.0 cannot carry at all, even escaped. */
export function hasNonXmlChar(text: string): boolean {
  return NOT_XML_CHAR.test(text);
}
