// Client checks that mirror the api's listing checks (services/api/src/domain/listing_input.c):
// the server stays the judge; this only spares a round trip and names the same fields.

export const LIMITS = { title: 255, description: 10000, seller_notes: 5000, short: 255, images: 10 };
export const CONDITIONS = ["new", "like_new", "good", "fair"] as const;

export interface ListingDraft {
  title: string;
  description: string;
  price: string;
  min_price: string;
  condition: string;
  category: string;
  location: string;
  seller_notes: string;
  currency: string;
}

export type FieldErrors = Partial<Record<keyof ListingDraft | "images", string>>;

const MONEY = /^\d{1,10}(\.\d{1,2})?$/;

/** Cents of a decimal amount "799.99", or null when it is not one. */
export function toCents(s: string): number | null {
  const t = s.trim();
  if (!MONEY.test(t)) return null;
  const [whole, frac = ""] = t.split(".");
  return Number(whole) * 100 + Number((frac + "00").slice(0, 2));
}

const len = (s: string) => [...s.trim()].length;

export function validateListing(d: ListingDraft, imageCount: number): FieldErrors {
  const e: FieldErrors = {};
  if (!d.title.trim()) e.title = "Title is required.";
  else if (len(d.title) > LIMITS.title) e.title = `Title: at most ${LIMITS.title} characters.`;
  if (len(d.description) > LIMITS.description)
    e.description = `Description: at most ${LIMITS.description} characters.`;
  if (len(d.seller_notes) > LIMITS.seller_notes)
    e.seller_notes = `Notes: at most ${LIMITS.seller_notes} characters.`;
  if (len(d.category) > LIMITS.short) e.category = `Category: at most ${LIMITS.short} characters.`;
  if (len(d.location) > LIMITS.short) e.location = `Location: at most ${LIMITS.short} characters.`;
  const price = toCents(d.price);
  if (!d.price.trim()) e.price = "Price is required.";
  else if (price == null) e.price = 'Price: a decimal amount such as "799.99" (at most 2 decimals).';
  else if (price <= 0) e.price = "Price must be greater than 0.";
  if (d.min_price.trim()) {
    const min = toCents(d.min_price);
    if (min == null) e.min_price = 'Lowest price: a decimal amount such as "650" (at most 2 decimals).';
    else if (min <= 0) e.min_price = "Lowest price must be greater than 0 (leave it empty for no floor).";
    else if (price != null && min > price) e.min_price = "Lowest price cannot be above the price.";
  }
  if (d.condition && !(CONDITIONS as readonly string[]).includes(d.condition))
    e.condition = "Pick a condition.";
  if (imageCount > LIMITS.images) e.images = `At most ${LIMITS.images} photos per listing.`;
  return e;
}
