import type { Job } from "../api/types";

// Jobs of a listing, in the seller's words. A "posting" is a post job that reached a marketplace;
// delist and update jobs act on one (posting_job_id). The post job's own status tells where the
// item stands: posted -> delisting -> delisted, or delist_failed (contracts.md, issue 10 E3).

export type JobKind = "post" | "delist" | "update";

export function jobKind(j: Job): JobKind {
  return j.kind === "delist" || j.kind === "update" ? j.kind : "post";
}

export const KIND_WORDS: Record<JobKind, string> = { post: "Post", delist: "Remove", update: "Update" };

/** Where a job is in its life: the badge's colour. */
export type Phase = "waiting" | "running" | "done" | "gone" | "failed";

const PHASES: Record<string, Phase> = {
  pending: "waiting",
  queued: "waiting",
  posting: "running",
  running: "running",
  delisting: "running",
  updating: "running",
  posted: "done",
  updated: "done",
  succeeded: "done",
  done: "done",
  delisted: "gone",
  failed: "failed",
  delist_failed: "failed",
  update_failed: "failed",
};

export function jobPhase(j: Job): Phase {
  const p = PHASES[j.status ?? ""] ?? "waiting";
  // a finished delist job: the item is gone, not "done" in green
  return p === "done" && jobKind(j) === "delist" ? "gone" : p;
}

const WORDS: Record<JobKind, Record<Phase, string>> = {
  post: { waiting: "queued", running: "posting", done: "posted", gone: "removed", failed: "failed" },
  delist: { waiting: "queued", running: "removing", done: "removed", gone: "removed", failed: "removal failed" },
  update: { waiting: "queued", running: "updating", done: "updated", gone: "removed", failed: "update failed" },
};

/** The status in plain words: a post job whose item is being taken down says "removing". */
export function statusWords(j: Job): string {
  const s = j.status ?? "";
  if (s === "delisting") return "removing";
  if (s === "delist_failed") return "removal failed";
  if (s === "updating") return "updating";
  return WORDS[jobKind(j)][jobPhase(j)];
}

/** The newest post job of each platform for one listing: the dashboard's badge per platform
 * (its status follows the item: posted, removing, removed). */
export function latestByPlatform(jobs: Job[], listingId: number): Job[] {
  const best = new Map<string, Job>();
  for (const j of jobs) {
    if (j.listing_id !== listingId || !j.platform || jobKind(j) !== "post") continue;
    const cur = best.get(j.platform);
    if (!cur || (j.id ?? 0) > (cur.id ?? 0)) best.set(j.platform, j);
  }
  return [...best.values()].sort((a, b) => (a.platform ?? "").localeCompare(b.platform ?? ""));
}

/** Retry is offered for a failure the api can run again: a failed job of any kind with attempts
 * left, or a posting whose removal failed (its retry asks the delist again). A platform that
 * cannot do the step at all (not_supported) is done by hand instead. */
export function canRetry(j: Job): boolean {
  // not_supported: only by hand; cancelled: the listing left active before the job's turn came
  if (j.error_code === "not_supported" || j.error_code === "cancelled") return false;
  // a posting whose removal failed: the api retries its delist job, or starts a fresh one when
  // that one used every attempt
  if (j.status === "delist_failed") return true;
  if (j.status !== "failed") return false;
  return (j.attempt ?? 0) < (j.max_attempts ?? 3);
}

/** A marketplace still shows the item: posted, being removed or updated, or its removal failed. */
export function isLive(j: Job): boolean {
  return jobKind(j) === "post" && ["posted", "delisting", "delist_failed", "updating"].includes(j.status ?? "");
}

/** The postings of a listing (post jobs that reached a marketplace), newest first. */
export function postingsOf(jobs: Job[]): Job[] {
  return jobs
    .filter((j) => jobKind(j) === "post" && (isLive(j) || j.status === "delisted" || !!j.external_url))
    .sort((a, b) => (b.id ?? 0) - (a.id ?? 0));
}

/** The newest job of a kind acting on one posting. */
export function latestFor(jobs: Job[], postingId: number | null | undefined, kind: JobKind): Job | undefined {
  let best: Job | undefined;
  for (const j of jobs)
    if (j.posting_job_id === postingId && jobKind(j) === kind && (!best || (j.id ?? 0) > (best.id ?? 0))) best = j;
  return best;
}

/** Distinct platforms where the listing is live now (the delete dialog counts them). */
export function livePlatforms(jobs: Job[]): string[] {
  return [...new Set(jobs.filter(isLive).map((j) => j.platform ?? ""))].filter(Boolean).sort();
}

/** Why a job waits, short: the api's wait_reason up to its colon ("account pacing", "daily cap",
 * "monthly cap"); a hold in full, since the seller has to act on it ("account on hold until …
 * (posting limit reached on facebook_marketplace: …)"); "account pacing" when the api gave none. */
export function waitWords(reason?: string | null): string {
  if (!reason) return "account pacing";
  if (reason.startsWith("account on hold")) return reason;
  const i = reason.indexOf(":");
  return i > 0 ? reason.slice(0, i) : reason;
}

/** "Scheduled for 14:05 (account pacing)" for a waiting job due later, in the seller's locale and
 * time zone; with the date when it is not today. null when the job is not waiting for a time. */
export function scheduledLabel(j: Job, now = Date.now(), locale?: string, timeZone?: string): string | null {
  if (j.status !== "pending" || !j.scheduled_at) return null;
  const at = new Date(j.scheduled_at);
  if (Number.isNaN(at.getTime()) || at.getTime() <= now) return null;
  const day = (d: Date) => new Intl.DateTimeFormat(locale, { timeZone, dateStyle: "short" }).format(d);
  const time = new Intl.DateTimeFormat(locale, { timeZone, timeStyle: "short" }).format(at);
  const date = new Intl.DateTimeFormat(locale, { timeZone, weekday: "short", month: "short", day: "numeric" });
  const whenText = day(at) === day(new Date(now)) ? time : `${date.format(at)}, ${time}`;
  return `Scheduled for ${whenText} (${waitWords(j.wait_reason)})`;
}

/** What went wrong, in plain words, and what the seller can do. The api's own message follows it
 * on the page. */
export function failureAdvice(j: Job, platform: string): string {
  const how = `build/bin/byebuy-login --platform ${j.platform}`;
  switch (j.error_code) {
    case "login_required":
      return `${platform} asked to log in again. Run ${how} on the Bye-Buy machine, then Retry.`;
    case "auth_required":
      return `${platform} needs your permission again. Run ${how}, then Retry.`;
    case "not_supported":
      return `Bye-Buy cannot do this on ${platform} by itself: please do it by hand on ${platform}.`;
    case "timeout":
      return `${platform} was too slow to answer. Retry in a few minutes.`;
    case "rate_limited":
      return `${platform} asked us to slow down. Retry a little later.`;
    case "recipe_failed":
    case "browser_error":
      return `${platform}'s page did not look as expected (it may have changed). Retry; if it fails again, check the steps.`;
    case "profile_busy":
      return `The browser of this ${platform} account was busy with another job. Retry.`;
    case "cancelled":
      return `Not done on ${platform}: the listing was sold or deleted before its turn came.`;
    case "setup_required":
      return `${platform} needs something set up first (see below), then Retry.`;
    case "limit_reached":
      return `${platform} says this account reached its posting limit. The account is on hold until the limit resets (see Settings, Marketplace accounts); its other posts wait instead of being sent. Retry after the hold, or lift it there.`;
    case "blocked":
      return `${platform} has temporarily blocked this account from listing. The account is on hold (see Settings, Marketplace accounts); its jobs wait. Check the account on ${platform} in a browser, then lift the hold and Retry.`;
    default:
      return `${platform} did not accept it.`;
  }
}
