import { useEffect, useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import useSWR, { mutate } from "swr";
import { ApiError, api, sendJson } from "../api/client";
import type { Job, JobLog, Listing } from "../api/types";
import { KIND_WORDS, canRetry, jobKind, livePlatforms } from "../lib/jobs";
import { FailureNote, JobBadge, RetryButton, ScheduledNote } from "../components/jobs";
import { DeleteListing, MarkSold, listWords } from "../components/ListingActions";
import { Postings } from "../components/Postings";
import { imageSrc, money, platformName, when } from "../lib/format";
import { keyMatches } from "../lib/live";
import { Badge, ErrorBanner, Loading, btnDanger, btnPrimary, btnSecondary, card } from "../components/ui";

// The platforms the api posts to by default (its PLATFORMS setting); an unknown one is refused
// by the api with a message shown here.
export const PLATFORMS = ["facebook_marketplace", "sandbox"];

function refreshAll(listingId: string) {
  return mutate((k) => keyMatches(k, ["/api/jobs", `/api/listings/${listingId}`, "/api/stats"]));
}

function Gallery({ l }: { l: Listing }) {
  const imgs = l.images ?? [];
  const [i, setI] = useState(0);
  if (imgs.length === 0)
    return <div className="flex aspect-[4/3] items-center justify-center rounded-lg bg-slate-100 text-slate-700">No photos</div>;
  const cur = imgs[Math.min(i, imgs.length - 1)];
  return (
    <div>
      <img
        src={imageSrc(cur)}
        alt={`Photo ${Math.min(i, imgs.length - 1) + 1} of ${imgs.length}: ${l.title}`}
        className="aspect-[4/3] w-full rounded-lg bg-slate-100 object-contain"
      />
      {imgs.length > 1 && (
        <ul className="mt-2 flex flex-wrap gap-2" aria-label="Photos">
          {imgs.map((im, n) => (
            <li key={im.id}>
              <button
                type="button"
                aria-label={`Show photo ${n + 1}`}
                aria-current={n === i}
                onClick={() => setI(n)}
                className={`h-16 w-16 overflow-hidden rounded border-2 ${n === i ? "border-blue-700" : "border-transparent"}`}
              >
                <img src={imageSrc(im, true)} alt="" className="h-full w-full object-cover" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function JobLogs({ jobId }: { jobId: number }) {
  const { data, error } = useSWR<JobLog[]>(`/api/jobs/${jobId}/logs`);
  if (error) return <ErrorBanner error={error} title="Could not load the steps." />;
  if (!data) return <Loading what="steps" />;
  if (data.length === 0) return <p className="text-sm text-slate-700">No steps logged yet.</p>;
  return (
    <ol className="mt-2 space-y-2 text-sm" aria-label={`Steps of job ${jobId}`}>
      {data.map((log) => (
        <li key={log.id} className="rounded border border-slate-200 p-2">
          <div className="flex flex-wrap gap-2">
            <span className={`font-mono text-xs uppercase ${log.level === "error" ? "text-red-800" : "text-slate-700"}`}>
              {log.level}
            </span>
            <span className="text-xs text-slate-700">
              attempt {log.attempt} · {when(log.created_at)}
            </span>
          </div>
          <p className="break-words">{log.message}</p>
          {log.artifact_url && (
            <a href={log.artifact_url} target="_blank" rel="noreferrer" className="mt-1 inline-block">
              <img src={log.artifact_url} alt={`Screenshot: ${log.message}`} className="max-h-48 rounded border" />
            </a>
          )}
        </li>
      ))}
    </ol>
  );
}

function JobRow({ job, listingId }: { job: Job; listingId: string }) {
  const [open, setOpen] = useState(false);
  const kind = KIND_WORDS[jobKind(job)];
  return (
    <li className="border-b border-slate-200 py-3 last:border-0" data-job-id={job.id} data-kind={jobKind(job)}>
      <div className="flex flex-wrap items-center gap-2">
        <JobBadge job={job} />
        <span className="font-medium">
          {kind} · {platformName(job.platform)}
        </span>
        <span className="text-sm text-slate-700">
          attempt {job.attempt}/{job.max_attempts} · {when(job.created_at)}
        </span>
        <span className="ml-auto flex flex-wrap gap-2">
          {job.external_url && jobKind(job) === "post" && (
            <a href={job.external_url} target="_blank" rel="noreferrer" className={btnSecondary}>
              View on marketplace
            </a>
          )}
          {/* a posting whose removal failed is retried from "On marketplaces" */}
          {canRetry(job) && job.status !== "delist_failed" && <RetryButton job={job} onDone={() => refreshAll(listingId)} />}
          <button type="button" className={btnSecondary} aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? "Hide steps" : "Show steps"}
          </button>
        </span>
      </div>
      <ScheduledNote job={job} />
      <FailureNote job={job} />
      {open && job.id != null && <JobLogs jobId={job.id} />}
    </li>
  );
}

function PostForm({ listingId }: { listingId: string }) {
  const [chosen, setChosen] = useState<string[]>([]);
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function post() {
    setBusy(true);
    setErr(null);
    try {
      await sendJson("POST", `/api/listings/${listingId}/post`, { platforms: chosen });
      setChosen([]);
      await refreshAll(listingId);
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <fieldset className="space-y-2">
      <legend className="font-semibold">Post to</legend>
      {PLATFORMS.map((p) => (
        <label key={p} className="flex items-center gap-2">
          <input
            type="checkbox"
            className="h-4 w-4"
            checked={chosen.includes(p)}
            onChange={(e) => setChosen(e.target.checked ? [...chosen, p] : chosen.filter((x) => x !== p))}
          />
          {platformName(p)}
        </label>
      ))}
      <button type="button" className={btnPrimary} disabled={busy || chosen.length === 0} onClick={post}>
        Post now
      </button>
      <ErrorBanner error={err} title="Posting was refused." />
    </fieldset>
  );
}

/** The api's answer to DELETE: gone at once ({status: "deleted"}), or its postings are being
 * removed first and the listing goes once they are. */
export function deletedNow(res: unknown): boolean {
  return !!res && typeof res === "object" && (res as { status?: string }).status === "deleted";
}

/** While a delete waits for its postings to be removed (listing status deleting): what is
 * happening. When a removal failed (delete_failed): which marketplace still shows the item and
 * what to do: retry, or take it down by hand and delete at once. */
function Deleting({ l, jobs, onDeleted }: { l: Listing; jobs: Job[]; onDeleted: (res: unknown) => unknown }) {
  const [err, setErr] = useState<unknown>(null);
  const live = livePlatforms(jobs).map(platformName);
  if (l.status !== "delete_failed")
    return (
      <div role="status" className="rounded-md border border-blue-300 bg-blue-50 p-3 text-sm text-blue-900" data-testid="deleting">
        Deleting: removing it from {live.length ? listWords(live) : "its marketplaces"} first…
      </div>
    );
  const stuckJobs = jobs.filter((j) => jobKind(j) === "post" && j.status === "delist_failed");
  const stuck = stuckJobs.map((j) => platformName(j.platform));
  const names = stuck.length ? stuck : live;
  // a platform that cannot remove items (not_supported): retrying is no use, only by hand
  const byHandOnly = stuckJobs.length > 0 && stuckJobs.every((j) => j.error_code === "not_supported");
  async function again(force: boolean) {
    setErr(null);
    try {
      onDeleted(await api<unknown>(`/api/listings/${l.id}${force ? "?force=true" : ""}`, { method: "DELETE" }));
    } catch (x) {
      setErr(x);
    }
  }
  return (
    <div role="alert" className="space-y-2 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900" data-testid="deleting">
      <p>
        <strong>
          Not deleted: {names.length ? listWords(names) : "a marketplace"} still {names.length === 1 ? "shows" : "show"} this item.
        </strong>{" "}
        {byHandOnly
          ? "Bye-Buy cannot remove it there: remove it by hand (link below), then delete it here at once."
          : "The removal failed (see below). Try again, or remove it there by hand and then delete it here at once."}
      </p>
      <div className="flex flex-wrap gap-2">
        {!byHandOnly && (
          <button type="button" className={btnPrimary} onClick={() => again(false)}>
            Try removing again
          </button>
        )}
        <button type="button" className={btnDanger} onClick={() => again(true)}>
          I removed it by hand: delete now
        </button>
      </div>
      <ErrorBanner error={err} title="Not deleted." />
    </div>
  );
}

/** After an edit: the listing's live postings get the change (their update jobs show below). */
function SavedNote({ jobs }: { jobs: Job[] }) {
  const live = livePlatforms(jobs).map(platformName);
  return (
    <p role="status" className="rounded-md border border-green-300 bg-green-50 p-3 text-sm text-green-900">
      Changes saved.
      {live.length > 0 && ` They go to ${listWords(live)} too: see "On marketplaces" below.`}
    </p>
  );
}

function SoldNote({ l }: { l: Listing }) {
  if (l.status !== "sold" || (!l.sold_platform && l.sold_price == null && !l.sold_at)) return null;
  return (
    <p className="mt-1 text-sm text-slate-800" data-testid="sold-note">
      Sold {l.sold_platform ? `on ${platformName(l.sold_platform)}` : "elsewhere"}
      {l.sold_price != null ? ` for ${money(l.sold_price, l.currency)}` : ""}
      {l.sold_at ? ` · ${when(l.sold_at)}` : ""}
    </p>
  );
}

export function ListingDetail() {
  const { id = "" } = useParams();
  const nav = useNavigate();
  const { data: l, error } = useSWR<Listing>(`/api/listings/${id}`);
  // every kind: the postings and the removals and updates acting on them
  const { data: jobs } = useSWR<Job[]>(`/api/jobs?listing_id=${id}&kind=all&limit=100`);
  const [err, setErr] = useState<unknown>(null);
  const [deleting, setDeleting] = useState(false);
  const saved = (useLocation().state as { saved?: boolean } | null)?.saved === true;
  const refresh = () => refreshAll(id);

  async function reactivate() {
    setErr(null);
    try {
      await sendJson("PATCH", `/api/listings/${id}`, { status: "active" });
      await refreshAll(id);
      await mutate((k) => keyMatches(k, ["/api/listings"]));
    } catch (e) {
      setErr(e);
    }
  }
  async function deleted(res: unknown) {
    await mutate((k) => keyMatches(k, ["/api/listings", "/api/stats", "/api/jobs"]));
    if (deletedNow(res)) nav("/");
    else setDeleting(true);
  }
  const isDeleting = deleting || l?.status === "deleting" || l?.status === "delete_failed";
  // The listing went (its last posting was removed): back to the list.
  const gone = isDeleting && error instanceof ApiError && error.status === 404;
  useEffect(() => {
    if (gone) nav("/");
  }, [gone, nav]);

  if (error && !gone) return <ErrorBanner error={error} title="Could not load this listing." />;
  if (!l) return <Loading what="the listing" />;
  return (
    <article className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <Link to="/" className="text-sm text-blue-800 underline">
            ← All listings
          </Link>
          <h1 className="mt-1 text-2xl font-bold">{l.title}</h1>
          <p className="mt-1 flex flex-wrap items-center gap-2">
            <span className="text-xl font-semibold">{money(l.price, l.currency)}</span>
            <Badge status={l.status} />
            {l.condition && <Badge status="unknown" label={l.condition.replace("_", " ")} />}
          </p>
          <SoldNote l={l} />
        </div>
        {!isDeleting && (
          <div className="flex flex-wrap gap-2">
            <Link to={`/listings/${id}/edit`} className={btnSecondary}>
              Edit
            </Link>
            {l.status === "active" ? (
              <MarkSold l={l} jobs={jobs ?? []} onDone={async () => {
                await refresh();
                await mutate((k) => keyMatches(k, ["/api/listings"]));
              }} />
            ) : (
              <button type="button" className={btnSecondary} onClick={reactivate}>
                Make active again
              </button>
            )}
            <DeleteListing l={l} jobs={jobs ?? []} onDeleted={deleted} />
          </div>
        )}
      </div>
      {isDeleting && <Deleting l={deleting && l.status === "active" ? { ...l, status: "deleting" } : l} jobs={jobs ?? []} onDeleted={deleted} />}
      {saved && !isDeleting && <SavedNote jobs={jobs ?? []} />}
      <ErrorBanner error={err} />
      <div className="grid gap-6 lg:grid-cols-2">
        <Gallery l={l} />
        <div className="space-y-4">
          <section className={card}>
            <h2 className="font-semibold">Description</h2>
            <p className="mt-1 whitespace-pre-wrap text-sm">{l.description || "No description."}</p>
          </section>
          <section className={card}>
            <h2 className="font-semibold">For you only</h2>
            <dl className="mt-1 grid grid-cols-2 gap-1 text-sm">
              <dt className="text-slate-700">Lowest price (floor)</dt>
              <dd data-testid="floor">{l.min_price != null ? money(l.min_price, l.currency) : "none"}</dd>
              <dt className="text-slate-700">Location</dt>
              <dd>{l.location || "—"}</dd>
              <dt className="text-slate-700">Category</dt>
              <dd>{l.category || "—"}</dd>
            </dl>
            {l.seller_notes && <p className="mt-2 whitespace-pre-wrap text-sm">Notes for replies: {l.seller_notes}</p>}
          </section>
          {l.status === "active" && !isDeleting && (
            <section className={card}>
              <PostForm listingId={id} />
            </section>
          )}
        </div>
      </div>
      <section className={card} aria-labelledby="marketplaces">
        <h2 id="marketplaces" className="font-semibold">
          On marketplaces
        </h2>
        {!jobs ? <Loading what="postings" /> : <Postings jobs={jobs} refresh={refresh} />}
      </section>
      <section className={card} aria-labelledby="history">
        <h2 id="history" className="font-semibold">
          Job history
        </h2>
        {!jobs ? (
          <Loading what="job history" />
        ) : jobs.length === 0 ? (
          <p className="text-sm text-slate-700">Not posted anywhere yet.</p>
        ) : (
          <ul>
            {jobs.map((j) => (
              <JobRow key={j.id} job={j} listingId={id} />
            ))}
          </ul>
        )}
      </section>
    </article>
  );
}
