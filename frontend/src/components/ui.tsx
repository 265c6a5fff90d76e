import type { ReactNode } from "react";

// Badge colours: pending yellow, posting blue, posted green, failed red (issue 9); text stays
// dark on light fills for contrast (WCAG AA).
const TONES: Record<string, string> = {
  pending: "bg-yellow-100 text-yellow-900 ring-yellow-300",
  posting: "bg-blue-100 text-blue-900 ring-blue-300",
  posted: "bg-green-100 text-green-900 ring-green-300",
  failed: "bg-red-100 text-red-900 ring-red-300",
  delisted: "bg-slate-200 text-slate-800 ring-slate-300",
  active: "bg-blue-100 text-blue-900 ring-blue-300",
  sold: "bg-green-100 text-green-900 ring-green-300",
  archived: "bg-slate-200 text-slate-800 ring-slate-300",
  deleting: "bg-blue-100 text-blue-900 ring-blue-300",
  delete_failed: "bg-red-100 text-red-900 ring-red-300",
  agreed: "bg-green-100 text-green-900 ring-green-300",
  closed: "bg-slate-200 text-slate-800 ring-slate-300",
  needs_attention: "bg-orange-100 text-orange-900 ring-orange-300",
  queued: "bg-yellow-100 text-yellow-900 ring-yellow-300",
  sent: "bg-green-100 text-green-900 ring-green-300",
  received: "bg-slate-100 text-slate-800 ring-slate-300",
  logged_in: "bg-green-100 text-green-900 ring-green-300",
  login_required: "bg-red-100 text-red-900 ring-red-300",
  unknown: "bg-slate-100 text-slate-800 ring-slate-300",
};

export function Badge({ status, label }: { status?: string | null; label?: string }) {
  const s = status ?? "unknown";
  const tone = TONES[s] ?? TONES.unknown;
  return (
    <span
      className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tone}`}
      data-status={s}
    >
      {label ?? s.replace(/_/g, " ")}
    </span>
  );
}

export function ErrorBanner({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const msg = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900">
      {title && <strong className="mr-1">{title}</strong>}
      {msg}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
      <p className="font-medium text-slate-800">{title}</p>
      {children && <div className="mt-2 text-sm text-slate-600">{children}</div>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" className="p-4 text-sm text-slate-600">
      Loading {what}…
    </p>
  );
}

export const btn =
  "inline-flex items-center justify-center gap-1 rounded-md px-3 py-2 text-sm font-medium disabled:opacity-50 disabled:cursor-not-allowed";
export const btnPrimary = `${btn} bg-blue-700 text-white hover:bg-blue-800`;
export const btnSecondary = `${btn} border border-slate-300 bg-white text-slate-800 hover:bg-slate-100`;
export const btnDanger = `${btn} border border-red-300 bg-white text-red-800 hover:bg-red-50`;
export const input =
  "mt-1 block w-full rounded-md border border-slate-400 bg-white px-3 py-2 text-sm text-slate-900 aria-[invalid=true]:border-red-600";
export const card = "rounded-lg border border-slate-200 bg-white p-4 shadow-sm";

export function FieldError({ id, msg }: { id: string; msg?: string }) {
  if (!msg) return null;
  return (
    <p id={id} className="mt-1 text-sm text-red-800">
      {msg}
    </p>
  );
}
