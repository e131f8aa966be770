import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allocatorNote, MMAP_THRESHOLD, runningGlibc } from '../../topologies/allocatorNote';

describe('allocatorNote', () => {
  it('reports the threshold the process was started with', () => {
    expect(allocatorNote({ MALLOC_MMAP_THRESHOLD_: '131072' }, '2.36')).toBe(
      'allocator: glibc 2.36, buffers of 131072 bytes or more mapped on their own (MALLOC_MMAP_THRESHOLD_)',
    );
  });

  it('warns when glibc has none, and says what to set', () => {
    for (const env of [{}, { MALLOC_MMAP_THRESHOLD_: '' }]) {
      const note = allocatorNote(env, '2.36');
      expect(note).toMatch(/^allocator: MALLOC_MMAP_THRESHOLD_ is unset: /);
      expect(note).toContain(`MALLOC_MMAP_THRESHOLD_=${MMAP_THRESHOLD}`);
    }
  });

  it('says nothing where glibc is not the allocator', () => {
    expect(allocatorNote({}, undefined)).toBeUndefined();
  });

  it("finds this machine's glibc", () => {
    expect(runningGlibc()).toMatch(/^2\.\d+$/);
  });

  it('is the threshold the npm scripts that start a pipeline give it, unless one is set', () => {
    const { scripts } = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const name of ['derstream', 'bench'])
      expect(scripts[name]).toMatch(
        new RegExp(`^MALLOC_MMAP_THRESHOLD_=\\$\\{MALLOC_MMAP_THRESHOLD_:-${MMAP_THRESHOLD}\\} exec `),
      );
  });
});
