import { Admin } from 'kafkajs';
import { RegistryConfig, registryAuthHeaders } from '../pipelines/io/registry/registryConfig';

/**
 * Removes what one benchmark or test run left on the shared local stack: every topic,
 * consumer group and registry subject whose name `belongs` to the run. Runs name all
 * three after one id (`bench-<scenario>-<id>`, `test-<run>…`), so a predicate on the
 * name finds them without a list of what each scenario or test made.
 *
 * Topics are listed again until none is left: one created just before (a run that
 * failed while setting up) can be missing from the first listing, and a deletion shows
 * a moment late. Returns what is still there, for the caller to report.
 */
export async function removeRunFromStack(
  admin: Admin,
  registry: RegistryConfig,
  belongs: (name: string) => boolean,
): Promise<{ topicsLeft: string[] }> {
  const topicsLeft = await deleteTopics(admin, belongs);
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter(belongs);
  // A group a consumer still holds is refused; it harms nothing and its offsets expire.
  if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  await deleteSubjects(registry, belongs);
  return { topicsLeft };
}

async function deleteTopics(admin: Admin, belongs: (name: string) => boolean): Promise<string[]> {
  let topics = (await admin.listTopics()).filter(belongs);
  for (let attempt = 1; attempt <= 8 && topics.length > 0; attempt++) {
    // Refusals (a topic already on its way out, one not yet known) are settled by the next listing.
    await admin.deleteTopics({ topics, timeout: 30_000 }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    topics = (await admin.listTopics()).filter(belongs);
  }
  return topics;
}

/** Soft, then for good (the registry keeps soft-deleted subjects); best effort: a leftover subject harms nothing. */
async function deleteSubjects(registry: RegistryConfig, belongs: (name: string) => boolean): Promise<void> {
  const base = registry.url.toString().replace(/\/$/, '');
  const headers = registryAuthHeaders(registry);
  const request = (path: string, method = 'GET') =>
    fetch(`${base}${path}`, { method, headers, signal: AbortSignal.timeout(5000) });
  const listing = await request('/subjects').catch(() => undefined);
  if (listing === undefined || !listing.ok) return;
  const subjects = ((await listing.json()) as string[]).filter(belongs);
  for (const subject of subjects) {
    for (const query of ['', '?permanent=true']) {
      await request(`/subjects/${encodeURIComponent(subject)}${query}`, 'DELETE').catch(() => undefined);
    }
  }
}
