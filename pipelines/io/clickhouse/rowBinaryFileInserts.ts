import { mkdirSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Session } from 'chdb';
import { parseJsonEachRow, sharedKeys } from './jsonEachRow';
import { Column, encodeRowBinary } from './rowBinary';

/**
 * Inserts into chDB as RowBinary through a file. chDB's own insert takes text formats
 * only, and making JSON (numbers formatted in JavaScript, parsed again by ClickHouse)
 * was most of what an insert cost; ClickHouse's `file()` reads RowBinary, so the rows
 * are written to a file of ours and inserted with `INSERT … SELECT … FROM file()`.
 *
 * The files live in `<chDB path>/derstream-inserts`, one per insert, removed when the
 * insert has settled; a crash can leave one, and opening clears the folder.
 */
export class RowBinaryFileInserts {
  /** Each table's columns by name, asked once; forgotten when a statement may have changed them. */
  private readonly columns = new Map<string, Promise<Map<string, Column>>>();
  private inserts = 0;

  private constructor(
    private readonly session: Session,
    private readonly directory: string,
  ) {}

  /** Undefined when the path has characters that `file()` reads as a glob. */
  static open(session: Session, chdbPath: string): RowBinaryFileInserts | undefined {
    const directory = join(chdbPath, 'derstream-inserts');
    if (/[*?{}[\]]/.test(directory)) return undefined;
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(directory);
    return new RowBinaryFileInserts(session, directory);
  }

  /** After DDL: the next insert asks for the tables' columns again. */
  forgetColumns(): void {
    this.columns.clear();
  }

  /**
   * Inserts the rows as RowBinary in inserts of about `maxBytes`; false, having inserted
   * nothing, when they are not all of one shape, name a column the table lacks, or hold a
   * value RowBinary is not written for here (see `encodeRowBinary`).
   */
  async insert(table: string, rows: readonly object[], maxBytes: number): Promise<boolean> {
    const keys = sharedKeys(rows);
    if (!keys) return false;
    const known = await this.columnsOf(table);
    const columns: Column[] = [];
    for (const key of keys) {
      const column = known.get(key);
      if (!column) return false;
      columns.push(column);
    }
    const buffers = encodeRowBinary(rows, columns, maxBytes);
    if (!buffers) return false;
    const names = columns.map((column) => identifier(column.name)).join(', ');
    const structure = literal(
      columns.map((column) => `${identifier(column.name)} ${column.type}`).join(', '),
    );
    for (const buffer of buffers) {
      const file = join(this.directory, `${process.pid}-${this.inserts++}.bin`);
      try {
        await writeFile(file, buffer);
        await this.session.queryAsync(
          `INSERT INTO ${identifier(table)} (${names}) SELECT * FROM file(${literal(file)}, 'RowBinary', ${structure})`,
        );
      } finally {
        await rm(file, { force: true });
      }
    }
    return true;
  }

  private columnsOf(table: string): Promise<Map<string, Column>> {
    let columns = this.columns.get(table);
    if (!columns) {
      columns = this.session
        .queryBindAsync(
          `SELECT name, type FROM system.columns
           WHERE database = currentDatabase() AND table = {table:String} ORDER BY position`,
          { table },
          { format: 'JSONEachRow' },
        )
        .then(
          (result) => new Map(parseJsonEachRow<Column>(result.text()).map((column) => [column.name, column])),
        );
      columns.catch(() => this.columns.delete(table));
      this.columns.set(table, columns);
    }
    return columns;
  }
}

function identifier(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

function literal(text: string): string {
  return "'" + text.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}
