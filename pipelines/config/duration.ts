const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration as users write it: `500ms`, `5s`, `3m`, `1h`, or an integer number
 * of milliseconds. Returns milliseconds, or `undefined` when the text is none of these
 * (the caller names the setting in its error).
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!;
  return Number.isSafeInteger(value) ? value : undefined;
}
