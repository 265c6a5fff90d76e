// Settings > API tokens (issue 11): tokens for scripts (Authorization: Bearer). A new token is
// shown once, right after it is made; the api keeps only its hash, the list shows its prefix.
import { useState, type FormEvent } from "react";
import useSWR from "swr";
import { ApiError, api, sendJson } from "../api/client";
import type { ApiToken, ApiTokenCreated } from "../api/types";
import { ago } from "../lib/format";
import { Empty, ErrorBanner, FieldError, Loading, btnDanger, btnPrimary, card, input } from "../components/ui";

const KEY = "/api/tokens";

export function Tokens() {
  const { data, error, mutate: reload } = useSWR<ApiToken[]>(KEY);
  const [name, setName] = useState("");
  const [made, setMade] = useState<ApiTokenCreated | null>(null);
  const [err, setErr] = useState("");

  async function create(e: FormEvent) {
    e.preventDefault();
    setErr("");
    try {
      setMade(await sendJson<ApiTokenCreated>("POST", KEY, { name: name.trim() || "script" }));
      setName("");
      await reload();
    } catch (x) {
      setErr(x instanceof ApiError ? x.message : String(x));
    }
  }
  async function revoke(t: ApiToken) {
    if (!window.confirm(`Revoke the token "${t.name}"? Scripts using it stop working.`)) return;
    try {
      await api(`${KEY}/${t.id}`, { method: "DELETE" });
      if (made?.id === t.id) setMade(null);
      await reload();
    } catch (x) {
      setErr(x instanceof ApiError ? x.message : String(x));
    }
  }
  return (
    <section className={card} aria-labelledby="tokens-h">
      <h2 id="tokens-h" className="text-lg font-semibold">
        API tokens
      </h2>
      <p className="mb-2 text-sm text-slate-700">
        For scripts: send <code>Authorization: Bearer &lt;token&gt;</code>. <code>make token</code> prints a new one too.
      </p>
      <ErrorBanner error={error} title="Could not load the tokens." />
      {!data && !error && <Loading what="tokens" />}
      {made && (
        <div role="status" className="mb-3 rounded-md border border-green-300 bg-green-50 p-3 text-sm">
          <p className="font-medium">New token "{made.name}": copy it now, it is not shown again.</p>
          <code className="mt-1 block break-all" data-testid="new-token">
            {made.token}
          </code>
        </div>
      )}
      {data && data.length === 0 && <Empty title="No tokens yet." />}
      {data && data.length > 0 && (
        <ul className="divide-y divide-slate-200">
          {data.map((t) => (
            <li key={t.id} className="flex flex-wrap items-center gap-2 py-2 text-sm">
              <span className="font-medium">{t.name}</span>
              <code className="text-slate-700">{t.prefix}…</code>
              <span className="text-slate-700">
                made {ago(t.created_at)}, {t.last_used_at ? `last used ${ago(t.last_used_at)}` : "never used"}
              </span>
              <button type="button" className={`${btnDanger} ml-auto`} onClick={() => void revoke(t)}>
                Revoke<span className="sr-only"> {t.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={create} className="mt-3 flex flex-wrap items-end gap-2">
        <div>
          <label htmlFor="token-name" className="block text-sm font-medium">
            Name
          </label>
          <input
            id="token-name"
            className={input}
            maxLength={100}
            placeholder="backup script"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-describedby="token-err"
          />
        </div>
        <button type="submit" className={btnPrimary}>
          Create token
        </button>
      </form>
      <FieldError id="token-err" msg={err} />
    </section>
  );
}
