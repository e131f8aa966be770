/** Waits for `done`, failing when nothing has moved (`lastMoved`) for `stallMs`. */
export async function withStallGuard(
  done: Promise<unknown>,
  lastMoved: () => number,
  stallMs: number,
  state: () => string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (performance.now() - lastMoved() > stallMs)
        reject(new Error(`no progress for ${stallMs / 1000} s (${state()})`));
    }, 1000);
  });
  try {
    await Promise.race([done, stalled]);
  } finally {
    clearInterval(timer);
  }
}
