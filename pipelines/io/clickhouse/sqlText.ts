import { Column } from './rowBinary';

/** A name quoted for ClickHouse SQL, whatever characters it has. */
export function identifier(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** A string literal for ClickHouse SQL, whatever characters it has. */
export function literal(text: string): string {
  return "'" + text.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

/**
 * An `INSERT … SELECT * FROM <source>` of these columns, where `source` is a table
 * function reading RowBinary (`file()`, `input()`) and given the structure it reads.
 */
export function insertSelecting(
  table: string,
  columns: readonly Column[],
  source: (structure: string) => string,
): string {
  const names = columns.map((column) => identifier(column.name)).join(', ');
  const structure = literal(columns.map((column) => `${identifier(column.name)} ${column.type}`).join(', '));
  return `INSERT INTO ${identifier(table)} (${names}) SELECT * FROM ${source(structure)}`;
}
