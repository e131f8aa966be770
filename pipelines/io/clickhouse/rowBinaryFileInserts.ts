import { mkdirSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Session } from 'chdb';
import { ConfigError } from '../../errors';
import { parseJsonEachRow, sharedKeys } from './jsonEachRow';
import { Column, RowBinaryRows, encodeRowBinary } from './rowBinary';
import { insertSelecting, literal } from './sqlText';

/** See `ClickhouseExecutor.insertRowBinary`. */
const NOT_COLLAPSED = ' SETTINGS optimize_on_insert = 0';

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

  /** Where the files of a chDB at this path go; refused when `file()` would read it as a glob. */
  static directoryFor(chdbPath: string): string {
    const directory = join(chdbPath, 'derstream-inserts');
    if (/[*?{}[\]]/.test(directory))
      throw new ConfigError(
        'DERSTREAM_CHDB_PATH',
        `${chdbPath} has a character that ClickHouse's file() reads as a glob (* ? { } [ ]): choose a path without one`,
      );
    return directory;
  }

  /** Inserts through `directory` (see `directoryFor`), emptied first. */
  static open(session: Session, directory: string): RowBinaryFileInserts {
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
    for (const buffer of buffers) await this.insertFile(table, columns, [buffer], '');
    return true;
  }

  /**
   * Inserts rows already in RowBinary, in inserts of about `maxBytes` (a chunk is never
   * split), none collapsed with another of the same insert (see
   * `ClickhouseExecutor.insertRowBinary`).
   */
  async insertRows(table: string, rows: RowBinaryRows, maxBytes: number): Promise<void> {
    let group: Buffer[] = [];
    let bytes = 0;
    for (const chunk of rows.chunks) {
      if (group.length > 0 && bytes + chunk.length > maxBytes) {
        await this.insertFile(table, rows.columns, group, NOT_COLLAPSED);
        group = [];
        bytes = 0;
      }
      group.push(chunk);
      bytes += chunk.length;
    }
    if (group.length > 0) await this.insertFile(table, rows.columns, group, NOT_COLLAPSED);
  }

  private async insertFile(
    table: string,
    columns: readonly Column[],
    chunks: readonly Buffer[],
    settings: string,
  ): Promise<void> {
    const file = join(this.directory, `${process.pid}-${this.inserts++}.bin`);
    try {
      await writeChunks(file, chunks);
      await this.session.queryAsync(
        insertSelecting(table, columns, (structure) => `file(${literal(file)}, 'RowBinary', ${structure})`) +
          settings,
      );
    } finally {
      await rm(file, { force: true });
    }
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

/**
 * Writes `chunks` to a new file in one vectored write. `writeFile` given the chunks
 * writes them one by one, each a trip through libuv's pool and back to the event loop:
 * an insert's thousands of small chunks (a consumer batch each) then took 0.5–1.4 s to
 * write while the read loop was busy, and kept the insert in flight that much longer.
 */
async function writeChunks(file: string, chunks: readonly Buffer[]): Promise<void> {
  const handle = await open(file, 'w');
  try {
    let left: readonly Buffer[] = chunks;
    while (left.length > 0) {
      const { bytesWritten } = await handle.writev(left);
      left = unwrittenChunks(left, bytesWritten);
    }
  } finally {
    await handle.close();
  }
}

/**
 * What of `chunks` is left after their first `written` bytes: a vectored write takes
 * IOV_MAX chunks at most, and may stop anywhere, mid-chunk too.
 */
export function unwrittenChunks(chunks: readonly Buffer[], written: number): Buffer[] {
  let skipped = 0;
  for (let index = 0; index < chunks.length; index++) {
    const chunk = chunks[index]!;
    if (skipped + chunk.length > written)
      return [chunk.subarray(written - skipped), ...chunks.slice(index + 1)];
    skipped += chunk.length;
  }
  return [];
}
