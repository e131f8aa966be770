import { messageOf } from '../../errors';

/**
 * One condition `/readyz` requires (Kafka consumer joined, registry reachable,
 * ClickHouse writable, watermark advancing, ...). `detail` says what was found, in
 * words an operator acts on; it is served as is, so it must hold no secret.
 */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<{ ok: boolean; detail: string }>;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ReadinessReport {
  ready: boolean;
  /** Names of the failed checks, for a reader who wants only those. */
  failed: string[];
  checks: CheckResult[];
}

/**
 * Runs every check at once. A check that throws, or that has not answered within
 * `timeoutMs`, has failed: a probe must answer in time even when a service hangs, and a
 * service that hangs is not ready.
 */
export async function checkReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((check) => runCheck(check, timeoutMs)));
  const failed = results.filter((result) => !result.ok).map((result) => result.name);
  return { ready: failed.length === 0, failed, checks: results };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ name: check.name, ok: false, detail: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const answer = check.check().then(
    ({ ok, detail }) => ({ name: check.name, ok, detail }),
    (error: unknown) => ({ name: check.name, ok: false, detail: messageOf(error) }),
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
