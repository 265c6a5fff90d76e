import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useDropzone } from "react-dropzone";
import { Link, useNavigate, useParams } from "react-router";
import useSWR, { mutate } from "swr";
import { ApiError, api, sendJson } from "../api/client";
import type { Listing } from "../api/types";
import { keyMatches } from "../lib/live";
import { imageSrc } from "../lib/format";
import {
  CONDITIONS,
  LIMITS,
  validateListing,
  type FieldErrors,
  type ListingDraft,
} from "../lib/validate";
import { ErrorBanner, FieldError, Loading, btnPrimary, btnSecondary, card, input } from "../components/ui";

/** A photo in the form: one already stored (id) or a file to upload. */
export type Photo = { key: string; id?: number; url: string; file?: File };

const EMPTY: ListingDraft = {
  title: "",
  description: "",
  price: "",
  min_price: "",
  condition: "good",
  category: "",
  location: "",
  seller_notes: "",
  currency: "USD",
};

function draftOf(l: Listing): ListingDraft {
  return {
    title: l.title ?? "",
    description: l.description ?? "",
    price: l.price_cents != null ? (l.price_cents / 100).toFixed(2) : "",
    min_price: l.min_price_cents != null ? (l.min_price_cents / 100).toFixed(2) : "",
    condition: l.condition ?? "",
    category: l.category ?? "",
    location: l.location ?? "",
    seller_notes: l.seller_notes ?? "",
    currency: l.currency ?? "USD",
  };
}

export function move<T>(list: T[], from: number, to: number): T[] {
  if (to < 0 || to >= list.length) return list;
  const next = [...list];
  const [x] = next.splice(from, 1);
  next.splice(to, 0, x);
  return next;
}

const ACCEPT = { "image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"], "image/heic": [".heic"] };

function Photos({ photos, setPhotos, error }: { photos: Photo[]; setPhotos: (p: Photo[]) => void; error?: string }) {
  const { getRootProps, getInputProps, isDragActive } = useDropzone({
    accept: ACCEPT,
    multiple: true,
    onDrop: (files) =>
      setPhotos([
        ...photos,
        ...files.map((f, i) => ({ key: `new-${Date.now()}-${i}-${f.name}`, url: URL.createObjectURL(f), file: f })),
      ]),
  });
  return (
    <fieldset aria-describedby={error ? "images-error" : undefined}>
      <legend className="text-sm font-medium">Photos (up to {LIMITS.images}; the first is the cover)</legend>
      <div
        {...getRootProps({
          className: `mt-1 cursor-pointer rounded-lg border-2 border-dashed p-6 text-center text-sm ${
            isDragActive ? "border-blue-700 bg-blue-50" : "border-slate-400 bg-white"
          }`,
          "aria-label": "Add photos: drop images here or press Enter to choose files",
        })}
        data-testid="dropzone"
      >
        <input {...getInputProps()} aria-label="Choose photos" />
        {isDragActive ? "Drop the photos here" : "Drag photos here, or click to choose (JPEG, PNG, WebP, HEIC)"}
      </div>
      <FieldError id="images-error" msg={error} />
      {photos.length > 0 && (
        <ol className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-4" aria-label="Selected photos">
          {photos.map((p, i) => (
            <li key={p.key} className="rounded border border-slate-300 bg-white p-1" data-testid="photo">
              <img src={p.url} alt={`Photo ${i + 1}${p.file ? ` (${p.file.name})` : ""}`} className="aspect-square w-full object-cover" />
              <div className="mt-1 flex justify-between gap-1">
                <button type="button" className={btnSecondary} aria-label={`Move photo ${i + 1} earlier`} disabled={i === 0} onClick={() => setPhotos(move(photos, i, i - 1))}>
                  ←
                </button>
                <button type="button" className={btnSecondary} aria-label={`Remove photo ${i + 1}`} onClick={() => setPhotos(photos.filter((x) => x.key !== p.key))}>
                  ✕
                </button>
                <button type="button" className={btnSecondary} aria-label={`Move photo ${i + 1} later`} disabled={i === photos.length - 1} onClick={() => setPhotos(move(photos, i, i + 1))}>
                  →
                </button>
              </div>
            </li>
          ))}
        </ol>
      )}
    </fieldset>
  );
}

function Field(props: {
  name: keyof ListingDraft;
  label: string;
  draft: ListingDraft;
  set: (k: keyof ListingDraft, v: string) => void;
  errors: FieldErrors;
  multiline?: boolean;
  hint?: string;
  required?: boolean;
  inputMode?: "decimal";
}) {
  const { name, label, draft, set, errors, multiline, hint, required, inputMode } = props;
  const err = errors[name];
  const describedBy = [hint ? `${name}-hint` : "", err ? `${name}-error` : ""].filter(Boolean).join(" ") || undefined;
  const common = {
    id: name,
    name,
    className: input,
    value: draft[name],
    "aria-invalid": err ? true : undefined,
    "aria-describedby": describedBy,
    required,
  };
  return (
    <div>
      <label htmlFor={name} className="text-sm font-medium">
        {label}
        {required && <span aria-hidden="true"> *</span>}
      </label>
      {multiline ? (
        <textarea {...common} rows={4} onChange={(e) => set(name, e.target.value)} />
      ) : (
        <input {...common} type="text" inputMode={inputMode} onChange={(e) => set(name, e.target.value)} />
      )}
      {hint && (
        <p id={`${name}-hint`} className="mt-1 text-xs text-slate-700">
          {hint}
        </p>
      )}
      <FieldError id={`${name}-error`} msg={err} />
    </div>
  );
}

async function saveNew(d: ListingDraft, photos: Photo[]): Promise<Listing> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(d)) if (v.trim()) fd.append(k, v.trim());
  for (const p of photos) if (p.file) fd.append("images", p.file, p.file.name);
  return api<Listing>("/api/listings", { method: "POST", body: fd });
}

async function saveEdit(id: string, d: ListingDraft, photos: Photo[], before: Listing): Promise<Listing> {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(d)) fields[k] = v.trim();
  if (!fields.condition) delete fields.condition;
  let l = await sendJson<Listing>("PUT", `/api/listings/${id}`, fields);
  const keep = new Set(photos.filter((p) => p.id != null).map((p) => p.id));
  for (const im of before.images ?? [])
    if (!keep.has(im.id)) await api(`/api/listings/${id}/images/${im.id}`, { method: "DELETE" });
  const files = photos.filter((p) => p.file);
  let newIds: number[] = [];
  if (files.length) {
    const fd = new FormData();
    for (const p of files) fd.append("images", p.file!, p.file!.name);
    const known = new Set((before.images ?? []).map((im) => im.id));
    l = await api<Listing>(`/api/listings/${id}/images`, { method: "POST", body: fd });
    newIds = (l.images ?? []).filter((im) => !known.has(im.id)).map((im) => im.id!);
  }
  let n = 0;
  const order = photos.map((p) => (p.id != null ? p.id : newIds[n++])).filter((x): x is number => x != null);
  if (order.length > 1) l = await sendJson<Listing>("PUT", `/api/listings/${id}/images`, { order });
  return l;
}

export function ListingEdit() {
  const { id } = useParams();
  const nav = useNavigate();
  const { data: existing, error: loadErr } = useSWR<Listing>(id ? `/api/listings/${id}` : null, { refreshInterval: 0 });
  const [draft, setDraft] = useState<ListingDraft>(EMPTY);
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [loadedId, setLoadedId] = useState<string | null>(null);

  useEffect(() => {
    if (existing && id && loadedId !== id) {
      setDraft(draftOf(existing));
      setPhotos((existing.images ?? []).map((im) => ({ key: `img-${im.id}`, id: im.id, url: imageSrc(im, true) })));
      setLoadedId(id);
    }
  }, [existing, id, loadedId]);
  const title = useMemo(() => (id ? "Edit listing" : "New listing"), [id]);

  const set = (k: keyof ListingDraft, v: string) => setDraft((d) => ({ ...d, [k]: v }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBanner(null);
    const errs = validateListing(draft, photos.length);
    setErrors(errs);
    if (Object.keys(errs).length) {
      document.getElementById(Object.keys(errs)[0])?.focus();
      return;
    }
    setBusy(true);
    try {
      const l = id ? await saveEdit(id, draft, photos, existing!) : await saveNew(draft, photos);
      await mutate((k) => keyMatches(k, ["/api/listings", "/api/stats"]));
      // an edit of a posted listing goes on to its marketplaces: the detail page says so
      nav(`/listings/${l.id}`, { state: id ? { saved: true } : undefined });
    } catch (err) {
      const field = err instanceof ApiError ? err.field?.replace(/_cents$/, "") : undefined;
      if (field && (field in EMPTY || field === "images")) {
        setErrors({ [field]: (err as Error).message });
        document.getElementById(field)?.focus();
      } else setBanner(err);
    } finally {
      setBusy(false);
    }
  }

  if (id && loadErr) return <ErrorBanner error={loadErr} title="Could not load this listing." />;
  if (id && !existing) return <Loading what="the listing" />;
  const f = { draft, set, errors };
  return (
    <form onSubmit={submit} noValidate className="mx-auto max-w-3xl space-y-4">
      <h1 className="text-2xl font-bold">{title}</h1>
      <ErrorBanner error={banner} title="Not saved." />
      <div className={`${card} space-y-4`}>
        <Field name="title" label="Title" required {...f} />
        <Field name="description" label="Description" multiline {...f} />
        <div className="grid gap-4 sm:grid-cols-3">
          <Field name="price" label="Price" required inputMode="decimal" hint="e.g. 120 or 99.50" {...f} />
          <Field name="min_price" label="Lowest price you accept" inputMode="decimal" hint="Never shown to buyers; replies stay above it." {...f} />
          <Field name="currency" label="Currency" {...f} />
        </div>
        <fieldset>
          <legend className="text-sm font-medium">Condition</legend>
          <div className="mt-1 flex flex-wrap gap-3">
            {CONDITIONS.map((c) => (
              <label key={c} className="flex items-center gap-1 text-sm">
                <input type="radio" name="condition" value={c} checked={draft.condition === c} onChange={() => set("condition", c)} />
                {c.replace("_", " ")}
              </label>
            ))}
          </div>
          <FieldError id="condition-error" msg={errors.condition} />
        </fieldset>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field name="category" label="Category" {...f} />
          <Field name="location" label="Location" {...f} />
        </div>
        <Field name="seller_notes" label="Notes for the auto-replies" multiline hint="Pickup times, what is included, what you will not do." {...f} />
      </div>
      <div className={card}>
        <Photos photos={photos} setPhotos={setPhotos} error={errors.images} />
      </div>
      <div className="flex gap-2">
        <button type="submit" className={btnPrimary} disabled={busy}>
          {busy ? "Saving…" : id ? "Save changes" : "Create listing"}
        </button>
        <Link to={id ? `/listings/${id}` : "/"} className={btnSecondary}>
          Cancel
        </Link>
      </div>
    </form>
  );
}
