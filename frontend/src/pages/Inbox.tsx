import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import useSWR, { mutate } from "swr";
import { sendJson } from "../api/client";
import type { Conversation, ConversationDetail, ConversationPatch, Message } from "../api/types";
import { ago, money, when } from "../lib/format";
import { keyMatches } from "../lib/live";
import { toCents } from "../lib/validate";
import { Badge, Empty, ErrorBanner, Loading, btnPrimary, btnSecondary, card, input } from "../components/ui";

const FILTERS = [
  ["", "All"],
  ["needs_attention", "Needs you"],
  ["active", "Active"],
  ["agreed", "Agreed"],
  ["sold", "Sold"],
  ["closed", "Closed"],
] as const;

export function conversationsKey(status: string, q: string): string {
  const p = new URLSearchParams({ sort: "attention", limit: "100" });
  if (status) p.set("status", status);
  if (q.trim()) p.set("q", q.trim());
  return `/api/conversations?${p}`;
}

const refresh = () => mutate((k) => keyMatches(k, ["/api/conversations", "/api/stats"]));

function ConversationList({ current }: { current?: string }) {
  const [status, setStatus] = useState("");
  const [q, setQ] = useState("");
  const { data, error } = useSWR<Conversation[]>(conversationsKey(status, q));
  return (
    <section aria-label="Conversations" className="space-y-3">
      <div>
        <label htmlFor="conv-search" className="text-sm font-medium">
          Search buyer or item
        </label>
        <input id="conv-search" type="search" className={input} value={q} onChange={(e) => setQ(e.target.value)} />
      </div>
      <div className="flex flex-wrap gap-1" role="group" aria-label="Filter conversations">
        {FILTERS.map(([v, label]) => (
          <button key={label} type="button" aria-pressed={status === v} className={status === v ? btnPrimary : btnSecondary} onClick={() => setStatus(v)}>
            {label}
          </button>
        ))}
      </div>
      <ErrorBanner error={error} title="Could not load conversations." />
      {!data && !error && <Loading what="conversations" />}
      {data && data.length === 0 && (
        <Empty title="No conversations here.">
          Buyers' messages appear here once an account's inbox monitor runs (Settings → Accounts).
        </Empty>
      )}
      {data && data.length > 0 && (
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {data.map((c) => (
            <li key={c.id}>
              <Link
                to={`/inbox/${c.id}`}
                aria-current={String(c.id) === current ? "page" : undefined}
                className={`block p-3 hover:bg-slate-50 ${String(c.id) === current ? "bg-blue-50" : ""}`}
                data-conversation-id={c.id}
              >
                <div className="flex items-center justify-between gap-2">
                  <span className="font-medium">{c.buyer_name ?? "Unknown buyer"}</span>
                  <span className="text-xs text-slate-700">{ago(c.last_message_at)}</span>
                </div>
                <div className="text-sm text-slate-700">{c.listing_title ?? "Item not matched yet"}</div>
                <div className="mt-1 flex items-center gap-2">
                  {c.needs_attention ? <Badge status="needs_attention" label="needs you" /> : <Badge status={c.status} />}
                  <span className="truncate text-sm">{c.last_message}</span>
                </div>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Bubble({ m }: { m: Message }) {
  const mine = m.role !== "buyer";
  return (
    <li className={`flex ${mine ? "justify-end" : "justify-start"}`} data-message-id={m.id} data-delivery={m.delivery}>
      <div className={`max-w-[80%] rounded-lg px-3 py-2 text-sm ${mine ? "bg-blue-100 text-slate-900" : "bg-slate-100 text-slate-900"}`}>
        <div className="text-xs font-medium text-slate-700">{m.role === "agent" ? "Auto-reply" : m.role === "seller" ? "You" : "Buyer"}</div>
        <p className="whitespace-pre-wrap break-words">{m.content}</p>
        <div className="mt-1 flex items-center justify-end gap-1 text-xs text-slate-700">
          {when(m.sent_at ?? m.created_at)}
          {mine && <Badge status={m.delivery} />}
        </div>
        {m.delivery === "queued" && m.scheduled_at && Date.parse(m.scheduled_at) > Date.now() && (
          // Reply pacing (docs/pacing.md): an auto-reply waits for the account's reply gap.
          <p className="text-xs text-slate-700" data-testid="send-slot">
            Queued, goes at {new Date(m.scheduled_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
          </p>
        )}
        {m.delivery === "failed" && m.last_error && <p className="text-xs text-red-800">Not sent: {m.last_error}</p>}
      </div>
    </li>
  );
}

function Composer({ id }: { id: string }) {
  const [text, setText] = useState("");
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function send(e: FormEvent) {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setErr(null);
    try {
      await sendJson("POST", `/api/conversations/${id}/messages`, { content: text.trim() });
      setText("");
      await refresh();
    } catch (x) {
      setErr(x);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={send} className="space-y-2">
      <label htmlFor="reply" className="text-sm font-medium">
        Your message
      </label>
      <textarea id="reply" className={input} rows={3} maxLength={2000} value={text} onChange={(e) => setText(e.target.value)} />
      <ErrorBanner error={err} title="Not sent." />
      <button type="submit" className={btnPrimary} disabled={busy || !text.trim()}>
        Send
      </button>
    </form>
  );
}

function Deal({ c }: { c: ConversationDetail }) {
  const [price, setPrice] = useState("");
  const [err, setErr] = useState<unknown>(null);
  async function patch(p: ConversationPatch) {
    setErr(null);
    try {
      await sendJson("PATCH", `/api/conversations/${c.id}`, p);
      await refresh();
    } catch (x) {
      setErr(x);
    }
  }
  const cents = toCents(price);
  return (
    <div className="space-y-2">
      <h3 className="font-semibold">Deal</h3>
      <dl className="grid grid-cols-2 gap-1 text-sm">
        <dt className="text-slate-700">State</dt>
        <dd>
          <Badge status={c.status} />
        </dd>
        <dt className="text-slate-700">Buyer's offer</dt>
        <dd>{money(c.current_offer, c.listing?.currency)}</dd>
        <dt className="text-slate-700">Agreed price</dt>
        <dd>{money(c.agreed_price, c.listing?.currency)}</dd>
        {c.listing && (
          <>
            <dt className="text-slate-700">Asking / floor</dt>
            <dd>
              {money(c.listing.price, c.listing.currency)} / {money(c.listing.min_price, c.listing.currency)}
            </dd>
          </>
        )}
      </dl>
      {(c.status === "active" || c.status === "needs_attention") && (
        <div className="flex flex-wrap items-end gap-2">
          <div>
            <label htmlFor="agreed" className="text-sm font-medium">
              Agreed price
            </label>
            <input id="agreed" inputMode="decimal" className={input} value={price} onChange={(e) => setPrice(e.target.value)} />
          </div>
          <button type="button" className={btnSecondary} disabled={cents == null || cents <= 0} onClick={() => patch({ status: "agreed", agreed_price_cents: cents ?? 0 })}>
            Mark agreed
          </button>
        </div>
      )}
      <div className="flex flex-wrap gap-2">
        {c.status === "agreed" && (
          <button type="button" className={btnPrimary} onClick={() => patch({ status: "sold" })}>
            Mark sold
          </button>
        )}
        {c.status !== "closed" && c.status !== "sold" && (
          <button type="button" className={btnSecondary} onClick={() => patch({ status: "closed" })}>
            Close
          </button>
        )}
      </div>
      <ErrorBanner error={err} title="Refused." />
    </div>
  );
}

function Chat({ id }: { id: string }) {
  const key = `/api/conversations/${id}`;
  const { data: c, error, mutate: mutateChat } = useSWR<ConversationDetail>(key);
  const [err, setErr] = useState<unknown>(null);
  const end = useRef<HTMLLIElement>(null);
  const count = c?.messages.length ?? 0;
  useEffect(() => {
    // braces: recent Chromium returns a Promise from scrollIntoView, which is no effect cleanup
    end.current?.scrollIntoView({ block: "nearest" });
  }, [count]);
  async function patch(p: ConversationPatch) {
    setErr(null);
    try {
      // The switch moves at once; the api's answer (the detail) replaces the guess, or it rolls back.
      await mutateChat(sendJson<ConversationDetail>("PATCH", key, p), {
        optimisticData: (cur) => ({ ...cur!, ...(p.auto_reply !== undefined ? { auto_reply: p.auto_reply } : {}) }),
        rollbackOnError: true,
        revalidate: false,
      });
      await refresh();
    } catch (x) {
      setErr(x);
    }
  }
  if (error) return <ErrorBanner error={error} title="Could not load this conversation." />;
  if (!c) return <Loading what="the conversation" />;
  return (
    <section aria-labelledby="chat-title" className="space-y-4">
      <div className={card}>
        <h2 id="chat-title" className="text-lg font-semibold">
          {c.buyer_name ?? "Unknown buyer"} · {c.listing ? <Link className="text-blue-800 underline" to={`/listings/${c.listing.id}`}>{c.listing.title}</Link> : "item not matched"}
        </h2>
        {c.needs_attention && (
          <div role="alert" className="mt-2 rounded-md border border-orange-300 bg-orange-50 p-2 text-sm text-orange-950">
            <strong>Needs you:</strong> {c.handoff_reason ?? "the auto-reply handed this chat to you."}
            <button type="button" className={`${btnPrimary} ml-2`} onClick={() => patch({ hand_back: true })}>
              Hand back to auto-reply
            </button>
          </div>
        )}
        <div className="mt-2 flex flex-wrap items-center gap-4 text-sm">
          <label className="flex items-center gap-2">
            <input type="checkbox" className="h-4 w-4" checked={c.auto_reply} onChange={(e) => patch({ auto_reply: e.target.checked })} />
            Auto-reply in this chat
          </label>
          {c.reply_pending && <span role="status">Drafting a reply…</span>}
          {c.thread_url && /^https?:\/\//.test(c.thread_url) && (
            <a className="text-blue-800 underline" href={c.thread_url} target="_blank" rel="noreferrer">
              Open on the marketplace
            </a>
          )}
        </div>
        <ErrorBanner error={err} title="Refused." />
      </div>
      <div className="grid gap-4 lg:grid-cols-3">
        <div className={`${card} lg:col-span-2`}>
          <ol className="max-h-[28rem] space-y-2 overflow-y-auto" aria-label="Messages" aria-live="polite" tabIndex={0}>
            {c.messages.map((m) => (
              <Bubble key={m.id} m={m} />
            ))}
            <li ref={end} aria-hidden="true" />
          </ol>
          <div className="mt-3 border-t border-slate-200 pt-3">
            <Composer id={id} />
          </div>
        </div>
        <div className={card}>
          <Deal c={c} />
        </div>
      </div>
    </section>
  );
}

export function Inbox() {
  const { id } = useParams();
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">Inbox</h1>
      <div className="grid gap-6 lg:grid-cols-[22rem_1fr]">
        <ConversationList current={id} />
        {id ? <Chat key={id} id={id} /> : <Empty title="Pick a conversation to read and answer it." />}
      </div>
    </>
  );
}
