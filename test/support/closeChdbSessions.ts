import * as chdb from 'chdb';

/**
 * After each test file, closes any chDB session it left open. libchdb binds one data
 * directory per process and jest runs every file in this one process, so a file that
 * failed before its own close would otherwise make chDB refuse to open in every file
 * after it, and one failure would read as many.
 */
afterAll(async () => {
  await chdb.drainPending();
  (chdb as unknown as { _closeAllSessions: () => void })._closeAllSessions();
  await chdb.drainPending();
});
