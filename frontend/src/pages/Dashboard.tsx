import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import useSWR from "swr";
import type { Job, Listing, Stats } from "../api/types";
import { latestByPlatform } from "../lib/jobs";
import { imageSrc, money, platformName } from "../lib/format";
import { JobBadge } from "../components/jobs";
import { Badge, Empty, ErrorBanner, Loading, btnPrimary, btnSecondary, card, input } from "../components/ui";

export const PAGE = 24;
const STATUSES = ["", "active", "sold", "archived"] as const;

/** The list's api path for one page (one more than shown tells whether a next page exists). */
export function listingsKey(status: string, q: string, cursor: string | null): string {
  const p = new URLSearchParams({ limit: String(PAGE + 1) });
  if (status) p.set("status", status);
  if (q.trim()) p.set("q", q.trim());
  if (cursor) p.set("cursor", cursor);
  return `/api/listings?${p}`;
}

function Counts({ stats }: { stats?: Stats }) {
  if (!stats) return null;
  const items: [string, number][] = [
    ["Listings", stats.total_listings],
    ["Active", stats.active_listings],
    ["Sold", stats.sold_listings],
    ["Posted", stats.posted_jobs],
    ["Posting queue", stats.pending_jobs],
    ["Failed posts", stats.failed_jobs],
    ["Chats needing you", stats.needs_attention],
  ];
  return (
    <dl className="mb-6 grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7">
      {items.map(([k, v]) => (
        <div key={k} className={card}>
          <dt className="text-xs text-slate-700">{k}</dt>
          <dd className="text-2xl font-semibold">{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function ListingCard({ l, jobs }: { l: Listing; jobs: Job[] }) {
  const img = l.images?.[0];
  const latest = latestByPlatform(jobs, l.id ?? 0);
  return (
    <li className={`${card} flex flex-col p-0`} data-listing-id={l.id}>
      <Link to={`/listings/${l.id}`} className="flex flex-1 flex-col rounded-lg">
        <div className="aspect-[4/3] overflow-hidden rounded-t-lg bg-slate-100">
          {img ? (
            <img
              src={imageSrc(img, true)}
              alt=""
              loading="lazy"
              className="h-full w-full object-cover"
            />
          ) : (
            <div className="flex h-full items-center justify-center text-sm text-slate-600">No photo</div>
          )}
        </div>
        <div className="flex flex-1 flex-col gap-2 p-3">
          <div className="flex items-start justify-between gap-2">
            <h2 className="line-clamp-2 font-medium">{l.title}</h2>
            <span className="whitespace-nowrap font-semibold">{money(l.price, l.currency)}</span>
          </div>
          <div className="flex flex-wrap gap-1">
            <Badge status={l.status} />
            {latest.map((j) => (
              <JobBadge key={j.platform} job={j} prefix={platformName(j.platform)} />
            ))}
          </div>
        </div>
      </Link>
    </li>
  );
}

export function Dashboard() {
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const q = params.get("q") ?? "";
  const [cursors, setCursors] = useState<string[]>([]); // cursor of each page after the first
  const cursor = cursors.length ? cursors[cursors.length - 1] : null;
  const [search, setSearch] = useState(q);

  // Searching while typing, without a request per key stroke.
  useEffect(() => {
    const t = setTimeout(() => {
      if (search === q) return;
      const next = new URLSearchParams(params);
      if (search.trim()) next.set("q", search);
      else next.delete("q");
      setParams(next, { replace: true });
      setCursors([]);
    }, 300);
    return () => clearTimeout(t);
  }, [search, q, params, setParams]);

  const { data: stats } = useSWR<Stats>("/api/stats");
  const { data, error, isLoading } = useSWR<Listing[]>(listingsKey(status, q, cursor));
  const { data: jobs } = useSWR<Job[]>("/api/jobs?limit=500");
  const shown = (data ?? []).slice(0, PAGE);
  const hasNext = (data?.length ?? 0) > PAGE;

  function setStatus(s: string) {
    const next = new URLSearchParams(params);
    if (s) next.set("status", s);
    else next.delete("status");
    setParams(next);
    setCursors([]);
  }

  return (
    <>
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold">Your listings</h1>
        <Link to="/listings/new" className={btnPrimary}>
          + New listing
        </Link>
      </div>
      <Counts stats={stats} />
      <div className="mb-4 flex flex-wrap items-end gap-3">
        <div className="min-w-48 flex-1">
          <label htmlFor="search" className="text-sm font-medium">
            Search titles
          </label>
          <input
            id="search"
            type="search"
            className={input}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="e.g. bike"
          />
        </div>
        <fieldset className="flex flex-wrap gap-1">
          <legend className="text-sm font-medium">Status</legend>
          {STATUSES.map((s) => (
            <button
              key={s || "all"}
              type="button"
              aria-pressed={status === s}
              onClick={() => setStatus(s)}
              className={status === s ? btnPrimary : btnSecondary}
            >
              {s ? s[0].toUpperCase() + s.slice(1) : "All"}
            </button>
          ))}
        </fieldset>
      </div>
      <ErrorBanner error={error} title="Could not load listings." />
      {isLoading && !data && <Loading what="listings" />}
      {data && shown.length === 0 && (
        <Empty title={q || status ? "No listing matches these filters." : "No listings yet."}>
          {!q && !status && (
            <Link to="/listings/new" className="text-blue-800 underline">
              Create your first listing
            </Link>
          )}
        </Empty>
      )}
      {shown.length > 0 && (
        <ul className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4" aria-label="Listings">
          {shown.map((l) => (
            <ListingCard key={l.id} l={l} jobs={jobs ?? []} />
          ))}
        </ul>
      )}
      {(cursors.length > 0 || hasNext) && (
        <nav aria-label="Pages" className="mt-6 flex justify-center gap-2">
          <button
            type="button"
            className={btnSecondary}
            disabled={cursors.length === 0}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            ← Previous
          </button>
          <span className="self-center text-sm">Page {cursors.length + 1}</span>
          <button
            type="button"
            className={btnSecondary}
            disabled={!hasNext}
            onClick={() => setCursors([...cursors, String(shown[shown.length - 1].id)])}
          >
            Next →
          </button>
        </nav>
      )}
    </>
  );
}
