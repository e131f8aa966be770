import { utf8Text } from './utf8Text';

/** The encodings that read ASCII bytes as ASCII, so that an ASCII document declaring one of them reads the same as UTF-8. */
const ASCII_COMPATIBLE = /^(us-ascii|ascii|iso-8859-\d{1,2}|latin-?1|windows-125\d|cp125\d)$/i;

/**
 * The text of an XML document, read as UTF-8 ({@link utf8Text}) and checked against the
 * encoding its XML declaration names. A document declaring another encoding is read only
 * when that makes no difference: all its characters ASCII, the declared encoding one
 * that keeps ASCII as it is. Otherwise (ISO-8859-1 with an "è" in a name, say) it is
 * refused rather than read as UTF-8 and changed.
 */
export function xmlText(input: Buffer | string, refuse: (detail: string) => Error): string {
  const text = utf8Text(input, refuse);
  const encoding = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([^"']*)\1/.exec(text)?.[2];
  if (encoding === undefined || /^utf-?8$/i.test(encoding)) return text;
  const nonAscii = text.search(/[\u0080-\uffff]/);
  if (nonAscii >= 0 || !ASCII_COMPATIBLE.test(encoding)) {
    const where = nonAscii >= 0 ? ` but has a character outside ASCII (character ${nonAscii})` : '';
    throw refuse(`declares encoding "${encoding}"${where}: derstream reads XML in UTF-8 only`);
  }
  return text;
}
