import useSWR from "swr";
import type { Account, Job } from "../api/types";
import { canRetry, jobKind, jobPhase, latestFor, postingsOf } from "../lib/jobs";
import { platformName, when } from "../lib/format";
import { FailureNote, JobBadge, RetryButton, ScheduledNote } from "./jobs";
import { btnSecondary } from "./ui";

// Where the listing is on the marketplaces: one row per posting with its state (live, being
// removed, removed, removal failed), the latest removal and update acting on it, and what the
// seller can do about a failure (Retry, or by hand with the link when the platform cannot).

/** "Remove (sold)", "Update of price, photos": what a delist or update job does. */
export function actingWhat(j: Job): string {
  if (jobKind(j) === "delist") return j.reason === "sold" ? "Remove (sold)" : j.reason === "deleted" ? "Remove (deleted)" : "Remove";
  const changed = (j.changed ?? []).map((c) => (c === "images" ? "photos" : c));
  return changed.length ? `Update of ${changed.join(", ")}` : "Update";
}

function ActingJob({ job, posting, what, refresh }: { job: Job; posting: Job; what: string; refresh: () => unknown }) {
  return (
    <div className="mt-2 rounded border border-slate-200 p-2" data-job-id={job.id} data-testid={`${job.kind}-job`}>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <JobBadge job={job} prefix={what} />
        <span className="text-slate-700">{when(job.updated_at ?? job.created_at)}</span>
        {canRetry(job) && (
          <span className="ml-auto">
            <RetryButton job={job} onDone={refresh} />
          </span>
        )}
      </div>
      <ScheduledNote job={job} />
      <FailureNote job={job} posting={posting} />
    </div>
  );
}

function PostingRow({ p, jobs, refresh, account }: { p: Job; jobs: Job[]; refresh: () => unknown; account?: string }) {
  const delist = latestFor(jobs, p.id, "delist");
  const update = latestFor(jobs, p.id, "update");
  const name = platformName(p.platform);
  // A posting whose removal failed: its own error says why when no failed delist job does (E3);
  // its own Retry when the delist job cannot be retried (every attempt used: the api starts a
  // fresh one).
  const delistFailure = p.status === "delist_failed" && (!delist || jobPhase(delist) !== "failed");
  const retryPosting = p.status === "delist_failed" && canRetry(p) && (!delist || !canRetry(delist));
  return (
    <li className="border-b border-slate-200 py-3 last:border-0" data-posting-id={p.id} data-platform={p.platform}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">
          {name}
          {account ? ` · ${account}` : ""}
        </span>
        <JobBadge job={p} />
        <span className="ml-auto flex flex-wrap gap-2">
          {p.external_url && p.status !== "delisted" && (
            <a href={p.external_url} target="_blank" rel="noreferrer" className={btnSecondary}>
              View on {name}
            </a>
          )}
          {retryPosting && <RetryButton job={p} onDone={refresh} label="Retry removal" />}
        </span>
      </div>
      {p.status === "delist_failed" && (
        <p className="mt-1 text-sm font-medium text-red-800">{name} still shows this item.</p>
      )}
      {delistFailure && <FailureNote job={p} />}
      {delist && <ActingJob job={delist} posting={p} what={actingWhat(delist)} refresh={refresh} />}
      {update && <ActingJob job={update} posting={p} what={actingWhat(update)} refresh={refresh} />}
    </li>
  );
}

export function Postings({ jobs, refresh }: { jobs: Job[]; refresh: () => unknown }) {
  const postings = postingsOf(jobs);
  // the account's name tells two postings on one marketplace apart
  const { data: accounts } = useSWR<Account[]>(postings.some((p) => p.account_id) ? "/api/accounts" : null);
  const label = (id?: number | null) => accounts?.find((a) => a.id === id)?.label;
  if (postings.length === 0) return <p className="text-sm text-slate-700">Not on any marketplace yet.</p>;
  return (
    <ul aria-label="Postings">
      {postings.map((p) => (
        <PostingRow key={p.id} p={p} jobs={jobs} refresh={refresh} account={label(p.account_id)} />
      ))}
    </ul>
  );
}
