import { Session } from 'chdb';
import { residentMappings } from '../../../benchmarks/harness/residentMappings';

describe('residentMappings', () => {
  it("splits this process's RSS into chDB's library, node, other files and anonymous memory", () => {
    // Touching chDB loads and runs its library.
    new Session().close();
    const resident = residentMappings()!;
    const rss = process.memoryUsage().rss;
    const sum = resident.chdbLibrary + resident.node + resident.otherFiles + resident.anonymous;
    expect(resident.chdbLibrary).toBeGreaterThan(0);
    expect(resident.node).toBeGreaterThan(0);
    expect(resident.anonymous).toBeGreaterThan(0);
    // Read a moment apart from memoryUsage(), so within a few percent, not equal.
    expect(Math.abs(sum - rss) / rss).toBeLessThan(0.05);
  });
});
