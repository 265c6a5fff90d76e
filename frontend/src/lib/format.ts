export function money(amount: number | null | undefined, currency = "USD"): string {
  if (amount == null) return "—";
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  // the seller's own locale and zone (the browser's), like a scheduled job's time
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (Number.isNaN(s)) return iso;
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

const PLATFORM_NAMES: Record<string, string> = {
  facebook_marketplace: "Facebook Marketplace",
  sandbox: "Sandbox",
  craigslist: "Craigslist",
  ebay: "eBay",
};
export function platformName(p: string | undefined): string {
  if (!p) return "?";
  return PLATFORM_NAMES[p] ?? p.replace(/_/g, " ");
}

/** Where an image is served: the api lists `filepath` ("uploads/<name>", served at /uploads/)
 * and a `thumbnail_url`. */
export function imageSrc(im: { filepath?: string; thumbnail_url?: string | null }, thumb = false): string {
  if (thumb && im.thumbnail_url) return im.thumbnail_url;
  if (im.filepath) return "/" + im.filepath.replace(/^\/+/, "");
  return im.thumbnail_url ?? "";
}
