/** A name quoted for ClickHouse SQL, whatever characters it has. */
export function identifier(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** A string literal for ClickHouse SQL, whatever characters it has. */
export function literal(text: string): string {
  return "'" + text.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}
