import { DerstreamError } from '../errors';

/** The stable codes of {@link GroupsInputError}, one per way a membership input can be refused. */
export type GroupsInputErrorCode =
  | 'GROUPS_MALFORMED_JSON'
  | 'GROUPS_MALFORMED_XML'
  | 'GROUPS_NOT_UTF8'
  | 'GROUPS_DTD_REFUSED'
  | 'GROUPS_TOO_LARGE'
  | 'GROUPS_SCHEMA_INVALID'
  | 'GROUPS_INVALID';

/**
 * A membership input (groups file, `der.groups` record, HTTP body) was refused. Never
 * retriable: the same bytes fail the same way, so the record belongs in the dead-letter
 * output, and the message names the offending field so its sender can fix it.
 */
export class GroupsInputError extends DerstreamError {
  declare readonly code: GroupsInputErrorCode;

  constructor(code: GroupsInputErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, false, options);
  }
}
