/**
 * The measured windows that did not get exactly one status per group, from a paced
 * run's [window end, statuses on the topic] (latency and soak judge by the same count).
 */
export function incompleteWindows(
  statusesPerWindow: readonly [number, number][],
  groups: number,
): { windowEnd: number; statuses: number }[] {
  return statusesPerWindow
    .filter(([, statuses]) => statuses !== groups)
    .map(([windowEnd, statuses]) => ({ windowEnd, statuses }));
}
