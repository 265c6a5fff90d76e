import { useEffect, useState, type FormEvent } from "react";
import useSWR, { mutate } from "swr";
import { ApiError, sendJson } from "../api/client";
import type { PacingSettings, PacingValues } from "../api/types";
import { platformName } from "../lib/format";
import { ErrorBanner, FieldError, btnPrimary, card, input } from "../components/ui";

// Account safety for browser marketplaces (issue 10): how far apart one account's posts, removals
// and edits go, and how many of each a day. The api schedules every job by these
// (contracts.md E4); a job pushed later says when it will run.

type NumKey = Exclude<keyof PacingValues, "timezone">;
export const PACING_FIELDS: [NumKey, string, string][] = [
  ["min_gap_s", "Gap between actions (s)", "at least this long between one account's actions"],
  ["jitter_s", "Random extra wait, up to (s)", "so actions do not come on a fixed beat"],
  ["posts_per_day", "New posts per day", "0: no limit"],
  ["delists_per_day", "Removals per day", "0: no limit"],
  ["updates_per_day", "Edits per day", "0: no limit"],
  ["posts_per_month", "New posts per month", "0: no limit; Facebook showed a limit of 20"],
  ["hold_blocked_s", "Hold after a block (s)", "0: no hold"],
  ["hold_limit_s", "Hold after the monthly limit (s)", "0: until next month"],
  ["reply_gap_min_s", "Gap between buyer replies, at least (s)", "auto-replies of one account; Facebook: 180"],
  ["reply_gap_max_s", "Gap between buyer replies, at most (s)", "a random gap up to this; Facebook: 300"],
];

/** Form id of one field of one platform ("sandbox", "min_gap_s" -> "pacing-sandbox-min_gap_s"). */
export const pacingFieldId = (platform: string, field: string) => `pacing-${platform}-${field}`;

/** The PUT body from the form's strings (empty: null, back to the default), or the first field
 * that is not a whole number >= 0. */
export function pacingBody(form: Record<string, string>): { body: Record<string, number | null> } | { field: string; msg: string } {
  const body: Record<string, number | null> = {};
  for (const [k] of PACING_FIELDS) {
    const v = (form[k] ?? "").trim();
    if (v === "") body[k] = null;
    else if (!/^\d{1,9}$/.test(v)) return { field: k, msg: "A whole number, 0 or more (empty: the default)." };
    else body[k] = Number(v);
  }
  return { body };
}

/** One scope's form: a platform (/api/settings/pacing/{platform}) or one account's overrides
 * (/api/accounts/{id}/pacing, empty: as its platform). */
function PacingForm({ p, account }: { p: PacingSettings; account?: { id: number; label: string } }) {
  const [form, setForm] = useState<Record<string, string>>({});
  const [fieldErr, setFieldErr] = useState<Record<string, string>>({});
  const [err, setErr] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    const f: Record<string, string> = {};
    for (const [k] of PACING_FIELDS) f[k] = p.saved[k] == null ? "" : String(p.saved[k]);
    setForm(f);
  }, [p]);

  async function save(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    setFieldErr({});
    setSaved(false);
    const r = pacingBody(form);
    if ("field" in r) return setFieldErr({ [r.field]: r.msg });
    try {
      await sendJson("PUT", account ? `/api/accounts/${account.id}/pacing` : `/api/settings/pacing/${p.platform}`, r.body);
      await mutate((k) => typeof k === "string" && (k.startsWith("/api/settings/pacing") || /^\/api\/accounts\/\d+\/pacing$/.test(k)));
      setSaved(true);
    } catch (x) {
      const field = x instanceof ApiError ? x.field?.replace(/^.*\./, "") : undefined;
      if (field && PACING_FIELDS.some(([k]) => k === field)) setFieldErr({ [field]: (x as Error).message });
      else setErr(x);
    }
  }
  const name = account ? account.label : platformName(p.platform);
  const scope = account ? `account-${account.id}` : p.platform;
  const inherit = account ? "as its marketplace" : "default";
  return (
    <form
      onSubmit={save}
      noValidate
      className="space-y-3 border-t border-slate-200 pt-3 first:border-0 first:pt-0"
      aria-label={`Pacing of ${name}`}
      data-platform={p.platform}
      data-account-id={account?.id}
    >
      {!account && <h3 className="font-semibold">{name}</h3>}
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {PACING_FIELDS.map(([k, label, hint]) => {
          const id = pacingFieldId(scope, k);
          return (
            <div key={k}>
              <label htmlFor={id} className="text-sm font-medium">
                {label}
              </label>
              <input
                id={id}
                type="number"
                min={0}
                className={input}
                value={form[k] ?? ""}
                onChange={(e) => setForm((f) => ({ ...f, [k]: e.target.value }))}
                placeholder={p.effective[k] == null ? undefined : `${p.effective[k]} (${inherit})`}
                aria-invalid={fieldErr[k] ? true : undefined}
                aria-describedby={`${id}-hint${fieldErr[k] ? ` ${id}-error` : ""}`}
              />
              <p id={`${id}-hint`} className="mt-1 text-xs text-slate-700">
                {hint}; in force: {p.effective[k] ?? "—"}
              </p>
              <FieldError id={`${id}-error`} msg={fieldErr[k]} />
            </div>
          );
        })}
      </div>
      <ErrorBanner error={err} title="Not saved." />
      <div className="flex items-center gap-3">
        <button type="submit" className={btnPrimary}>
          Save {name} pacing
        </button>
        {saved && <span role="status">Saved.</span>}
      </div>
    </form>
  );
}

export function PostingPacing() {
  const { data, error } = useSWR<PacingSettings[]>("/api/settings/pacing");
  return (
    <section className={`${card} space-y-4`} aria-labelledby="posting-pacing-h">
      <div>
        <h2 id="posting-pacing-h" className="text-lg font-semibold">
          Posting pacing (account safety)
        </h2>
        <p className="text-sm text-slate-700">
          Bursts of posts get marketplace accounts restricted. Each account's posts, removals and edits are spread out by these
          limits; a job that has to wait says when it will run and why. A sold item's removals only wait for the gap. When the
          marketplace blocks an account or says its monthly limit is reached, the account is held: its jobs wait until the hold
          ends or you lift it under Marketplace accounts.
        </p>
      </div>
      <ErrorBanner error={error} title="Could not load the posting pacing." />
      {data?.map((p) => (
        <PacingForm key={p.platform} p={p} />
      ))}
    </section>
  );
}

/** An account's own pacing (overrides of its marketplace's), opened from its row in Settings. */
export function AccountPacing({ id, label }: { id: number; label: string }) {
  const { data, error } = useSWR<PacingSettings>(`/api/accounts/${id}/pacing`);
  if (error) return <ErrorBanner error={error} title="Could not load this account's pacing." />;
  if (!data) return null;
  return <PacingForm p={data} account={{ id, label }} />;
}
