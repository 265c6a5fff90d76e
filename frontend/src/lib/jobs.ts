import type { Job } from "../api/types";

/** The newest job of each platform for one listing (jobs come newest first, but do not rely on it). */
export function latestByPlatform(jobs: Job[], listingId: number): Job[] {
  const best = new Map<string, Job>();
  for (const j of jobs) {
    if (j.listing_id !== listingId || !j.platform) continue;
    const cur = best.get(j.platform);
    if (!cur || (j.id ?? 0) > (cur.id ?? 0)) best.set(j.platform, j);
  }
  return [...best.values()].sort((a, b) => (a.platform ?? "").localeCompare(b.platform ?? ""));
}

export function canRetry(j: Job): boolean {
  return j.status === "failed" && (j.attempt ?? 0) < (j.max_attempts ?? 3);
}
