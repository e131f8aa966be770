/** What `npm run derstream` and `npm run bench` start the process with (package.json). */
export const MMAP_THRESHOLD = 131072;

/**
 * The line `derstream run` logs at start about glibc's allocator: the mmap threshold it
 * was given, or a warning that it has none. Without a fixed `MALLOC_MMAP_THRESHOLD_`,
 * glibc raises its threshold to the largest mapped buffer freed so far (up to 32 MiB),
 * so the pipeline's fetch buffers, insert files and typed arrays grown by doubling are
 * later carved from its heap, which keeps their pages after they are freed: the memory
 * scenario (1 M devices) held about 150 MB more (README, "Memory"). glibc reads the
 * variable once, before any JavaScript runs, so this can only report it. `undefined`
 * where glibc is not the allocator (musl, macOS): the variable means nothing there.
 */
export function allocatorNote(env: NodeJS.ProcessEnv, glibcVersion: string | undefined): string | undefined {
  if (glibcVersion === undefined) return undefined;
  const threshold = env.MALLOC_MMAP_THRESHOLD_;
  if (threshold !== undefined && threshold !== '')
    return `allocator: glibc ${glibcVersion}, buffers of ${threshold} bytes or more mapped on their own (MALLOC_MMAP_THRESHOLD_)`;
  return (
    `allocator: MALLOC_MMAP_THRESHOLD_ is unset: glibc ${glibcVersion} keeps freed buffers of up to 32 MiB ` +
    `in its heap, about 150 MB more resident at a million devices; start through npm run derstream, ` +
    `or set MALLOC_MMAP_THRESHOLD_=${MMAP_THRESHOLD} (README, "Memory")`
  );
}

/** The running glibc's version, from Node's diagnostic report; `undefined` without glibc. */
export function runningGlibc(): string | undefined {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
    ?.header;
  return header?.glibcVersionRuntime;
}
