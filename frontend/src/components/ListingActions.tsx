import { useState, type FormEvent } from "react";
import { ApiError, api, sendJson } from "../api/client";
import type { Job, Listing } from "../api/types";
import { livePlatforms } from "../lib/jobs";
import { platformName } from "../lib/format";
import { toCents } from "../lib/validate";
import { Dialog } from "./Dialog";
import { ErrorBanner, FieldError, btnDanger, btnPrimary, btnSecondary, input } from "./ui";

/** "Sandbox and eBay", "Sandbox, eBay and Facebook Marketplace". */
export function listWords(names: string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** What marking sold will do, said before the seller confirms. */
export function soldEffect(live: string[], soldOn: string): string {
  const others = live.filter((p) => p !== soldOn).map(platformName);
  if (others.length === 0) return "It is not live on any other marketplace: nothing to remove.";
  return `Bye-Buy will remove it from ${listWords(others)} right away.`;
}

/** The body of POST /api/listings/{id}/sold: where it sold (absent: elsewhere) and for how much. */
export function soldBody(soldOn: string, price: string): { platform?: string; sold_price_cents?: number } | string {
  const body: { platform?: string; sold_price_cents?: number } = {};
  if (soldOn) body.platform = soldOn;
  if (price.trim()) {
    const cents = toCents(price);
    if (cents == null || cents === 0) return "A price like 95 or 95.50, or leave it empty.";
    body.sold_price_cents = cents;
  }
  return body;
}

export function MarkSold({ l, jobs, onDone }: { l: Listing; jobs: Job[]; onDone: () => unknown }) {
  const [open, setOpen] = useState(false);
  const live = livePlatforms(jobs);
  const [soldOn, setSoldOn] = useState("");
  const [price, setPrice] = useState("");
  const [priceErr, setPriceErr] = useState("");
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    setPriceErr("");
    const body = soldBody(soldOn, price);
    if (typeof body === "string") return setPriceErr(body);
    setBusy(true);
    try {
      await sendJson("POST", `/api/listings/${l.id}/sold`, body);
      setOpen(false);
      await onDone();
    } catch (x) {
      if (x instanceof ApiError && x.field?.startsWith("sold_price")) setPriceErr(x.message);
      else setErr(x);
    } finally {
      setBusy(false);
    }
  }
  const opts = [...live.map((p) => [p, `On ${platformName(p)}`]), ["", "Somewhere else (in person, another site)"]];
  return (
    <>
      <button type="button" className={btnPrimary} onClick={() => setOpen(true)}>
        Mark sold
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Mark as sold" id="sold">
        <form onSubmit={submit} className="space-y-3" noValidate>
          <fieldset>
            <legend className="text-sm font-medium">Where did it sell?</legend>
            <div className="mt-1 space-y-1">
              {opts.map(([p, label]) => (
                <label key={p || "elsewhere"} className="flex items-center gap-2 text-sm">
                  <input type="radio" name="sold-on" value={p} checked={soldOn === p} onChange={() => setSoldOn(p)} />
                  {label}
                </label>
              ))}
            </div>
          </fieldset>
          <div>
            <label htmlFor="sold-price" className="text-sm font-medium">
              Sold for (optional)
            </label>
            <input
              id="sold-price"
              inputMode="decimal"
              className={input}
              value={price}
              onChange={(e) => {
                setPrice(e.target.value);
                setPriceErr("");
              }}
              aria-invalid={priceErr ? true : undefined}
              aria-describedby={priceErr ? "sold-price-error" : undefined}
            />
            <FieldError id="sold-price-error" msg={priceErr} />
          </div>
          <p className="text-sm text-slate-800" data-testid="sold-effect">
            {soldEffect(live, soldOn)}
          </p>
          <ErrorBanner error={err} title="Not marked sold." />
          <div className="flex justify-end gap-2">
            <button type="button" className={btnSecondary} onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="submit" className={btnPrimary} disabled={busy}>
              {busy ? "Marking…" : "Mark sold"}
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}

/** What deleting will do, said in the confirm dialog. */
export function deleteEffect(live: string[]): string {
  if (live.length === 0) return "Its photos and posting history are deleted too. This cannot be undone.";
  const n = live.length;
  return `It will first be removed from its ${n} live marketplace${n === 1 ? "" : "s"} (${listWords(live.map(platformName))}); then its photos and posting history are deleted. This cannot be undone.`;
}

/** Delete with a confirm dialog. onDeleted gets the api's answer: the listing is gone, or its
 * postings are being removed first (the page then shows that). */
export function DeleteListing({ l, jobs, onDeleted }: { l: Listing; jobs: Job[]; onDeleted: (res: unknown) => unknown }) {
  const [open, setOpen] = useState(false);
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const live = livePlatforms(jobs);
  async function remove() {
    setErr(null);
    setBusy(true);
    try {
      const res = await api<unknown>(`/api/listings/${l.id}`, { method: "DELETE" });
      setOpen(false);
      await onDeleted(res);
    } catch (x) {
      setErr(x);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" className={btnDanger} onClick={() => setOpen(true)}>
        Delete
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Delete “${l.title}”?`} id="delete">
        <p className="text-sm" data-testid="delete-effect">
          {deleteEffect(live)}
        </p>
        <ErrorBanner error={err} title="Not deleted." />
        <div className="flex justify-end gap-2">
          <button type="button" className={btnSecondary} onClick={() => setOpen(false)}>
            Cancel
          </button>
          <button type="button" className={btnDanger} onClick={remove} disabled={busy}>
            {busy ? "Deleting…" : live.length ? "Remove and delete" : "Delete"}
          </button>
        </div>
      </Dialog>
    </>
  );
}
