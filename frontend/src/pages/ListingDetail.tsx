import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import useSWR, { mutate } from "swr";
import { api, sendJson } from "../api/client";
import type { Job, JobLog, Listing } from "../api/types";
import { canRetry } from "../lib/jobs";
import { imageSrc, money, platformName, when } from "../lib/format";
import { keyMatches } from "../lib/live";
import {
  Badge,
  ErrorBanner,
  Loading,
  btnDanger,
  btnPrimary,
  btnSecondary,
  card,
} from "../components/ui";

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
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function retry() {
    setBusy(true);
    setErr(null);
    try {
      await api(`/api/jobs/${job.id}/retry`, { method: "POST" });
      await refreshAll(listingId);
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <li className="border-b border-slate-200 py-3 last:border-0" data-job-id={job.id}>
      <div className="flex flex-wrap items-center gap-2">
        <Badge status={job.status} />
        <span className="font-medium">{platformName(job.platform)}</span>
        <span className="text-sm text-slate-700">
          attempt {job.attempt}/{job.max_attempts} · {when(job.created_at)}
        </span>
        <span className="ml-auto flex flex-wrap gap-2">
          {job.external_url && (
            <a href={job.external_url} target="_blank" rel="noreferrer" className={btnSecondary}>
              View on marketplace
            </a>
          )}
          {canRetry(job) && (
            <button type="button" className={btnPrimary} onClick={retry} disabled={busy}>
              Retry
            </button>
          )}
          <button type="button" className={btnSecondary} aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? "Hide steps" : "Show steps"}
          </button>
        </span>
      </div>
      {job.status === "failed" && job.error_message && (
        <p className="mt-1 text-sm text-red-800">
          {job.error_code ? `${job.error_code}: ` : ""}
          {job.error_message}
        </p>
      )}
      <ErrorBanner error={err} title="Retry failed." />
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

export function ListingDetail() {
  const { id = "" } = useParams();
  const nav = useNavigate();
  const { data: l, error } = useSWR<Listing>(`/api/listings/${id}`);
  const { data: jobs } = useSWR<Job[]>(`/api/jobs?listing_id=${id}&limit=100`);
  const [err, setErr] = useState<unknown>(null);

  async function setStatus(status: string) {
    setErr(null);
    try {
      await sendJson("PATCH", `/api/listings/${id}`, { status });
      await refreshAll(id);
      await mutate((k) => keyMatches(k, ["/api/listings"]));
    } catch (e) {
      setErr(e);
    }
  }
  async function remove() {
    if (!window.confirm("Delete this listing, its photos and its posting history?")) return;
    try {
      await api(`/api/listings/${id}`, { method: "DELETE" });
      await mutate((k) => keyMatches(k, ["/api/listings", "/api/stats"]));
      nav("/");
    } catch (e) {
      setErr(e);
    }
  }

  if (error) return <ErrorBanner error={error} title="Could not load this listing." />;
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
        </div>
        <div className="flex flex-wrap gap-2">
          <Link to={`/listings/${id}/edit`} className={btnSecondary}>
            Edit
          </Link>
          {l.status === "active" ? (
            <button type="button" className={btnPrimary} onClick={() => setStatus("sold")}>
              Mark sold
            </button>
          ) : (
            <button type="button" className={btnSecondary} onClick={() => setStatus("active")}>
              Make active again
            </button>
          )}
          <button type="button" className={btnDanger} onClick={remove}>
            Delete
          </button>
        </div>
      </div>
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
          {l.status === "active" && (
            <section className={card}>
              <PostForm listingId={id} />
            </section>
          )}
        </div>
      </div>
      <section className={card} aria-labelledby="history">
        <h2 id="history" className="font-semibold">
          Posting history
        </h2>
        {!jobs ? (
          <Loading what="posting history" />
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
