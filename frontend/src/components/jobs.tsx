import { useState } from "react";
import { api } from "../api/client";
import type { Job } from "../api/types";
import { failureAdvice, jobPhase, scheduledLabel, statusWords, type Phase } from "../lib/jobs";
import { platformName } from "../lib/format";
import { ErrorBanner, btnPrimary } from "./ui";

// Job badges by phase: queued yellow, running blue, done green, removed grey, failed red (issue 9's
// colours); the raw status stays in data-status for the tests and the words are the seller's.
const TONES: Record<Phase, string> = {
  waiting: "bg-yellow-100 text-yellow-900 ring-yellow-300",
  running: "bg-blue-100 text-blue-900 ring-blue-300",
  done: "bg-green-100 text-green-900 ring-green-300",
  gone: "bg-slate-200 text-slate-800 ring-slate-300",
  failed: "bg-red-100 text-red-900 ring-red-300",
};

export function JobBadge({ job, prefix }: { job: Job; prefix?: string }) {
  return (
    <span
      className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[jobPhase(job)]}`}
      data-status={job.status}
      data-kind={job.kind ?? "post"}
    >
      {prefix ? `${prefix}: ` : ""}
      {statusWords(job)}
    </span>
  );
}

/** "Scheduled for 14:05 (account pacing)" under a job waiting for its time; nothing otherwise. */
export function ScheduledNote({ job }: { job: Job }) {
  const label = scheduledLabel(job);
  if (!label) return null;
  return (
    <p className="text-sm text-slate-700" data-testid="scheduled" title={job.wait_reason ?? undefined}>
      {label}
    </p>
  );
}

/** Why a job failed in plain words, the api's message, and for a step the platform cannot do
 * (not_supported) the link to do it by hand. */
export function FailureNote({ job, posting }: { job: Job; posting?: Job }) {
  const failed = jobPhase(job) === "failed";
  if (!failed) return null;
  const name = platformName(job.platform);
  const url = job.external_url || posting?.external_url;
  return (
    <div className="mt-1 space-y-1 text-sm text-red-800" data-testid="failure">
      <p>{failureAdvice(job, name)}</p>
      {job.error_message && <p className="text-slate-800">{job.error_message}</p>}
      {job.error_code === "not_supported" && url && (
        <p>
          <a href={url} target="_blank" rel="noreferrer" className="font-medium text-blue-800 underline">
            Open the posting on {name}
          </a>
        </p>
      )}
    </div>
  );
}

/** Retry of one job; onDone refreshes what shows it. */
export function RetryButton({ job, onDone, label = "Retry" }: { job: Job; onDone: () => unknown; label?: string }) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<unknown>(null);
  async function retry() {
    setBusy(true);
    setErr(null);
    try {
      await api(`/api/jobs/${job.id}/retry`, { method: "POST" });
      await onDone();
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" className={btnPrimary} onClick={retry} disabled={busy}>
        {label}
      </button>
      <ErrorBanner error={err} title="Retry failed." />
    </>
  );
}
