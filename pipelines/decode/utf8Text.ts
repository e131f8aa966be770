import { isUtf8 } from 'node:buffer';

/**
 * The text of `input` read as UTF-8, its byte-order mark dropped. Bytes that are not
 * UTF-8 are refused, naming the first of them: decoding them anyway would put U+FFFD in
 * their place, and a name in ISO-8859-1 would be stored changed, with nothing said.
 * UTF-16 is named as such, being the one other encoding a sender is likely to use
 * knowingly. `refuse` makes the caller's error from the detail. A string is taken as
 * already decoded.
 */
export function utf8Text(input: Buffer | string, refuse: (detail: string) => Error): string {
  if (typeof input === 'string') return input.replace(/^\uFEFF/, '');
  if ((input[0] === 0xfe && input[1] === 0xff) || (input[0] === 0xff && input[1] === 0xfe)) {
    throw refuse('is UTF-16 (it starts with a UTF-16 byte-order mark); send it as UTF-8');
  }
  if (!isUtf8(input)) {
    const at = firstNonUtf8Byte(input);
    const byte = input[at]!.toString(16).padStart(2, '0');
    throw refuse(`is not UTF-8 (byte ${at} is 0x${byte}); send it as UTF-8`);
  }
  return input.toString('utf8').replace(/^\uFEFF/, '');
}

/** The offset of the first byte that does not begin a well-formed UTF-8 sequence. */
function firstNonUtf8Byte(bytes: Buffer): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    const length =
      lead < 0x80 ? 1 : lead < 0xc2 ? 0 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf5 ? 4 : 0;
    if (length === 0 || (length > 1 && !isUtf8(bytes.subarray(i, i + length)))) return i;
    i += length;
  }
  return bytes.length;
}
