import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { chdbAllocator } from '../../../benchmarks/harness/chdbAllocator';

describe('chdbAllocator', () => {
  const path = mkdtempSync(join(tmpdir(), 'derstream-chdb-allocator-'));
  afterAll(() => rmSync(path, { recursive: true, force: true }));

  it("tells what chDB's allocator holds, and leaves the session it shares the engine with open", () => {
    const session = new Session(path);
    try {
      session.query('CREATE TABLE held (x UInt64) ENGINE = Memory');
      const before = chdbAllocator(path)!;
      // 4 M UInt64 kept in a Memory table: 32 MB that only chDB (its allocator and its tracker) holds.
      session.query('INSERT INTO held SELECT number FROM numbers(4000000)');
      const after = chdbAllocator(path)!;
      expect(before.allocated).toBeGreaterThan(0);
      expect(after.resident).toBeGreaterThanOrEqual(after.allocated);
      expect(after.allocated - before.allocated).toBeGreaterThan(30_000_000);
      // Not as a difference: ClickHouse may correct its tracker's total from the allocator
      // now and then, so the total read before may have been corrected down since (CI, 07:48).
      expect(after.tracked).toBeGreaterThan(30_000_000);
      expect(session.query('SELECT count() FROM held', 'TSV').trim()).toBe('4000000');
    } finally {
      session.close();
    }
  });
});
