import { hasControlChar, isMrid, MRID_RULE } from '../../mrid';
import { BadParameterError } from './httpErrors';

/** An instant with its offset: a time without one would depend on the server's time zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A request's query string, read parameter by parameter into typed values. Anything
 * wrong is a {@link BadParameterError} naming the parameter: an unknown name (a typo
 * would otherwise be silently ignored), one given twice, or a value out of bounds.
 */
export class QueryParameters {
  private readonly query: Readonly<Record<string, unknown>>;

  constructor(query: unknown, allowed: readonly string[]) {
    this.query = (query ?? {}) as Record<string, unknown>;
    for (const name of Object.keys(this.query)) {
      if (!allowed.includes(name)) {
        const takes = allowed.length === 0 ? 'no parameters' : allowed.join(', ');
        throw new BadParameterError(name, `unknown parameter (this endpoint takes ${takes})`);
      }
    }
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const text = this.single(name);
    if (text === undefined) return fallback;
    const value = /^-?\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new BadParameterError(name, `"${text}" must be an integer from ${min} to ${max}`);
    }
    return value;
  }

  /** Epoch milliseconds, or an ISO 8601 instant with its offset (`2026-01-01T00:00:00Z`). */
  time(name: string, fallback: number): number {
    const text = this.single(name);
    if (text === undefined) return fallback;
    const value = /^\d+$/.test(text) ? Number(text) : ISO_INSTANT.test(text) ? Date.parse(text) : NaN;
    if (!Number.isSafeInteger(value)) {
      throw new BadParameterError(
        name,
        `"${text}" is not a time (expected epoch milliseconds or e.g. 2026-01-01T00:00:00Z)`,
      );
    }
    return value;
  }

  text(name: string, maxLength: number): string | undefined {
    const text = this.single(name);
    if (text !== undefined && (text.length > maxLength || hasControlChar(text))) {
      throw new BadParameterError(name, `must be at most ${maxLength} printable characters`);
    }
    return text;
  }

  id(name: string): string | undefined {
    const text = this.single(name);
    return text === undefined ? undefined : checkId(name, text);
  }

  /** Ids given as `name=a,b` or `name=a&name=b` or both; undefined when absent. */
  idList(name: string, maxCount: number): string[] | undefined {
    const raw = this.query[name];
    if (raw === undefined) return undefined;
    const ids = (Array.isArray(raw) ? raw : [raw]).flatMap((item) => String(item).split(','));
    if (ids.length > maxCount) throw new BadParameterError(name, `at most ${maxCount} ids`);
    return [...new Set(ids.map((id) => checkId(name, id)))];
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const text = this.single(name);
    if (text === undefined) return fallback;
    if (!(values as readonly string[]).includes(text)) {
      throw new BadParameterError(name, `"${text}" must be one of ${values.join(', ')}`);
    }
    return text as T;
  }

  private single(name: string): string | undefined {
    const raw = this.query[name];
    if (raw === undefined) return undefined;
    if (Array.isArray(raw)) throw new BadParameterError(name, 'given more than once');
    const text = String(raw);
    if (text === '') throw new BadParameterError(name, 'is empty');
    return text;
  }
}

/** Validates an mRID from the path or the query. */
export function checkId(name: string, text: string): string {
  if (!isMrid(text)) throw new BadParameterError(name, `must be ${MRID_RULE}`);
  return text;
}
