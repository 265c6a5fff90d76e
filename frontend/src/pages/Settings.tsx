import { useEffect, useState, type FormEvent } from "react";
import useSWR, { mutate } from "swr";
import { ApiError, sendJson } from "../api/client";
import type { Account, ResponderSettings } from "../api/types";
import { ago, platformName } from "../lib/format";
import { keyMatches } from "../lib/live";
import { AccountPacing, PostingPacing } from "./PostingPacing";
import { Tokens } from "./Tokens";
import { Badge, Empty, ErrorBanner, FieldError, Loading, btnPrimary, btnSecondary, card, input } from "../components/ui";

type Pacing = ResponderSettings["pacing"];
const PACING: [keyof Pacing, string][] = [
  ["active_min_ms", "While chatting: shortest wait (s)"],
  ["active_max_ms", "While chatting: longest wait (s)"],
  ["idle_min_ms", "When quiet: shortest wait (s)"],
  ["idle_max_ms", "When quiet: longest wait (s)"],
  ["break_every_cycles", "Take a break every N checks (0: never)"],
  ["break_min_ms", "Shortest break (s)"],
  ["break_max_ms", "Longest break (s)"],
];
const PLATFORMS = ["facebook_marketplace", "sandbox"];

/** Form id of an api field name ("pacing.active_max_ms" -> "pacing-active_max_ms"). */
export const fieldId = (f: string) => f.replace(/\./g, "-");

function Responder({ s }: { s: ResponderSettings }) {
  const [form, setForm] = useState<Record<string, string>>({});
  const [bools, setBools] = useState({ use_model: s.use_model, auto_reply: s.auto_reply });
  const [fieldErr, setFieldErr] = useState<Record<string, string>>({});
  const [err, setErr] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    const f: Record<string, string> = {
      tone: s.tone ?? "",
      persona: s.persona ?? "",
      model: s.model ?? "",
      max_sends_per_day: String(s.caps.max_sends_per_day),
      quiet_start: s.caps.quiet_start ?? "",
      quiet_end: s.caps.quiet_end ?? "",
      timezone: s.caps.timezone,
    };
    for (const [k] of PACING) f[k] = k === "break_every_cycles" ? String(s.pacing[k]) : String(s.pacing[k] / 1000);
    setForm(f);
    setBools({ use_model: s.use_model, auto_reply: s.auto_reply });
  }, [s]);
  const set = (k: string, v: string) => setForm((f) => ({ ...f, [k]: v }));

  async function save(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    setFieldErr({});
    setSaved(false);
    const pacing: Record<string, number> = {};
    for (const [k] of PACING) pacing[k] = k === "break_every_cycles" ? Number(form[k]) : Math.round(Number(form[k]) * 1000);
    const bad = Object.entries(pacing).find(([, v]) => !Number.isFinite(v) || v < 0);
    if (bad) {
      setFieldErr({ [`pacing.${bad[0]}`]: "A number of seconds, 0 or more." });
      return;
    }
    const body = {
      tone: form.tone.trim() || null,
      persona: form.persona.trim() || null,
      model: form.model.trim() || null,
      ...bools,
      pacing,
      caps: {
        max_sends_per_day: Number(form.max_sends_per_day),
        quiet_start: form.quiet_start || null,
        quiet_end: form.quiet_end || null,
        timezone: form.timezone.trim() || "UTC",
      },
    };
    try {
      await sendJson("PUT", "/api/settings/responder", body);
      await mutate("/api/settings/responder");
      setSaved(true);
    } catch (x) {
      if (x instanceof ApiError && x.field) setFieldErr({ [x.field]: x.message });
      else setErr(x);
    }
  }
  const text = (k: string, label: string, field: string, type = "text") => (
    <div key={k}>
      <label htmlFor={fieldId(field)} className="text-sm font-medium">
        {label}
      </label>
      <input id={fieldId(field)} type={type} className={input} value={form[k] ?? ""} onChange={(e) => set(k, e.target.value)} aria-invalid={fieldErr[field] ? true : undefined} aria-describedby={fieldErr[field] ? `${fieldId(field)}-error` : undefined} />
      <FieldError id={`${fieldId(field)}-error`} msg={fieldErr[field]} />
    </div>
  );
  return (
    <form onSubmit={save} className={`${card} space-y-4`} aria-labelledby="responder-h">
      <h2 id="responder-h" className="text-lg font-semibold">
        Replies
      </h2>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" className="h-4 w-4" checked={bools.auto_reply} onChange={(e) => setBools({ ...bools, auto_reply: e.target.checked })} />
        Answer buyers automatically in new conversations
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" className="h-4 w-4" checked={bools.use_model} onChange={(e) => setBools({ ...bools, use_model: e.target.checked })} />
        Write replies with the language model (off: simple rules)
      </label>
      <div className="grid gap-4 sm:grid-cols-2">
        {text("tone", "Tone (e.g. friendly, brief)", "tone")}
        {text("model", "Model (empty: the configured one)", "model")}
      </div>
      <div>
        <label htmlFor="persona" className="text-sm font-medium">
          About you (used in replies)
        </label>
        <textarea id="persona" rows={3} className={input} value={form.persona ?? ""} onChange={(e) => set("persona", e.target.value)} />
        <FieldError id="persona-error" msg={fieldErr.persona} />
      </div>
      <fieldset className="space-y-2">
        <legend className="font-semibold">Pacing of the inbox checks (looks human, avoids bans)</legend>
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">{PACING.map(([k, label]) => text(k, label, `pacing.${k}`, "number"))}</div>
      </fieldset>
      <fieldset className="space-y-2">
        <legend className="font-semibold">Limits</legend>
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          {text("max_sends_per_day", "Messages per day per account", "caps.max_sends_per_day", "number")}
          {text("quiet_start", "Quiet from (HH:MM)", "caps.quiet_start", "time")}
          {text("quiet_end", "Quiet until (HH:MM)", "caps.quiet_end", "time")}
          {text("timezone", "Time zone", "caps.timezone")}
        </div>
      </fieldset>
      <ErrorBanner error={err} title="Not saved." />
      <div className="flex items-center gap-3">
        <button type="submit" className={btnPrimary}>
          Save settings
        </button>
        {saved && <span role="status">Saved.</span>}
      </div>
    </form>
  );
}

function AccountRow({ a }: { a: Account }) {
  const [err, setErr] = useState<unknown>(null);
  const [pacingOpen, setPacingOpen] = useState(false);
  async function toggle() {
    setErr(null);
    try {
      await sendJson("PATCH", `/api/accounts/${a.id}`, { running: !a.running });
      await mutate((k) => keyMatches(k, ["/api/accounts", "/api/stats"]));
    } catch (x) {
      setErr(x);
    }
  }
  return (
    <li className="space-y-1 py-3" data-account-id={a.id}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">{a.label}</span>
        <span className="text-sm text-slate-700">{platformName(a.platform)}</span>
        <Badge status={a.login_state} label={a.login_state === "logged_in" ? "logged in" : a.login_state === "login_required" ? "login needed" : "login unknown"} />
        <Badge status={a.monitor_running ? "posted" : "unknown"} label={a.monitor_running ? "monitor running" : "monitor stopped"} />
        <button type="button" className={`${a.running ? btnSecondary : btnPrimary} ml-auto`} onClick={toggle}>
          {a.running ? "Stop inbox monitor" : "Start inbox monitor"}
        </button>
      </div>
      <p className="text-sm text-slate-700">
        Last check {ago(a.last_poll_at)} · {a.cycle_count} checks
      </p>
      {a.login_state !== "logged_in" && (
        <p className={`text-sm ${a.login_state === "login_required" ? "text-red-800" : "text-slate-700"}`}>
          {a.login_state === "login_required" ? "The marketplace asks you to log in again. " : "Not checked yet. "}
          To log in, run on this machine <code className="rounded bg-slate-100 px-1">build/bin/byebuy-login --platform {a.platform}</code>, then start the monitor.
        </p>
      )}
      {a.last_error && <p className="text-sm text-red-800">Last error: {a.last_error}</p>}
      <details className="text-sm" onToggle={(e) => setPacingOpen((e.target as HTMLDetailsElement).open)}>
        <summary className="cursor-pointer text-blue-800 underline">Posting pacing of this account</summary>
        <p className="mt-1 text-slate-700">Empty fields: as its marketplace below.</p>
        {pacingOpen && a.id != null && <AccountPacing id={a.id} label={a.label ?? ""} />}
      </details>
      <ErrorBanner error={err} />
    </li>
  );
}

function NewAccount() {
  const [platform, setPlatform] = useState(PLATFORMS[0]);
  const [label, setLabel] = useState("");
  const [err, setErr] = useState<unknown>(null);
  async function add(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    try {
      await sendJson("POST", "/api/accounts", { platform, label: label.trim() });
      setLabel("");
      await mutate((k) => keyMatches(k, ["/api/accounts"]));
    } catch (x) {
      setErr(x);
    }
  }
  return (
    <form onSubmit={add} className="flex flex-wrap items-end gap-2">
      <div>
        <label htmlFor="acc-platform" className="text-sm font-medium">
          Marketplace
        </label>
        <select id="acc-platform" className={input} value={platform} onChange={(e) => setPlatform(e.target.value)}>
          {PLATFORMS.map((p) => (
            <option key={p} value={p}>
              {platformName(p)}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="acc-label" className="text-sm font-medium">
          Name for this account
        </label>
        <input id="acc-label" className={input} value={label} onChange={(e) => setLabel(e.target.value)} />
      </div>
      <button type="submit" className={btnSecondary} disabled={!label.trim()}>
        Add account
      </button>
      <div className="w-full">
        <ErrorBanner error={err} title="Not added." />
      </div>
    </form>
  );
}

export function Settings() {
  const { data: s, error } = useSWR<ResponderSettings>("/api/settings/responder");
  const { data: accounts, error: accErr } = useSWR<Account[]>("/api/accounts");
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Settings</h1>
      <section className={card} aria-labelledby="accounts-h">
        <h2 id="accounts-h" className="text-lg font-semibold">
          Marketplace accounts
        </h2>
        <ErrorBanner error={accErr} title="Could not load accounts." />
        {accounts && accounts.length === 0 && <Empty title="No accounts yet.">Add one below, log in with byebuy-login, then start its inbox monitor.</Empty>}
        {accounts && accounts.length > 0 && (
          <ul className="divide-y divide-slate-200">
            {accounts.map((a) => (
              <AccountRow key={a.id} a={a} />
            ))}
          </ul>
        )}
        <div className="mt-3">
          <NewAccount />
        </div>
      </section>
      <ErrorBanner error={error} title="Could not load settings." />
      {!s && !error && <Loading what="settings" />}
      {s && <Responder s={s} />}
      <PostingPacing />
      <Tokens />
    </div>
  );
}
