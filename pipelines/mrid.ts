import { hasNonXmlChar } from './xmlChars';

/** The longest mRID derstream takes, in UTF-16 code units. */
export const MAX_MRID_LENGTH = 256;

/** What {@link isMrid} asks, for messages: "must be …", "is not …". */
export const MRID_RULE = `an mRID of 1 to ${MAX_MRID_LENGTH} printable characters`;

const CONTROL = /\p{Cc}/u;

/** Whether `text` holds a control character (Unicode's Cc: C0, DEL, C1), which logs and quotes badly. */
export function hasControlChar(text: string): boolean {
  return CONTROL.test(text);
}

/**
 * Whether `text` can be a group's or a device's mRID here. CIM leaves mRIDs free text;
 * derstream's are 1 to {@link MAX_MRID_LENGTH} characters without control characters,
 * so that they log and quote safely, and fit in XML 1.0. One rule for every way in
 * (JSON and XML membership, the HTTP API's paths and queries): a group taken in can
 * always be asked for.
 */
export function isMrid(text: string): boolean {
  return text.length > 0 && text.length <= MAX_MRID_LENGTH && !hasControlChar(text) && !hasNonXmlChar(text);
}
