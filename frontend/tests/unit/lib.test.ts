import { describe, expect, it } from "vitest";
import { toCents, validateListing, type ListingDraft } from "../../src/lib/validate";
import { canRetry, latestByPlatform } from "../../src/lib/jobs";
import { keyMatches, prefixesFor } from "../../src/lib/live";
import { listingsKey, PAGE } from "../../src/pages/Dashboard";
import { move } from "../../src/pages/ListingEdit";
import { conversationsKey } from "../../src/pages/Inbox";
import { fieldId } from "../../src/pages/Settings";
import type { Job } from "../../src/api/types";
import { imageSrc } from "../../src/lib/format";

const ok: ListingDraft = {
  title: "Bike",
  description: "",
  price: "120",
  min_price: "",
  condition: "good",
  category: "",
  location: "",
  seller_notes: "",
  currency: "USD",
};

describe("listing checks mirror the api", () => {
  it("parses decimal amounts to cents", () => {
    expect(toCents("799.99")).toBe(79999);
    expect(toCents(" 12 ")).toBe(1200);
    expect(toCents("1.5")).toBe(150);
    expect(toCents("1.555")).toBeNull();
    expect(toCents("abc")).toBeNull();
    expect(toCents("-3")).toBeNull();
  });
  it("accepts a valid draft", () => {
    expect(validateListing(ok, 2)).toEqual({});
  });
  it("names the field it refuses", () => {
    expect(validateListing({ ...ok, title: "  " }, 0).title).toMatch(/required/);
    expect(validateListing({ ...ok, title: "x".repeat(256) }, 0).title).toMatch(/255/);
    expect(validateListing({ ...ok, price: "0" }, 0).price).toMatch(/greater than 0/);
    expect(validateListing({ ...ok, price: "1.234" }, 0).price).toMatch(/decimal/);
    expect(validateListing({ ...ok, min_price: "200" }, 0).min_price).toMatch(/above the price/);
    expect(validateListing({ ...ok, min_price: "100" }, 0)).toEqual({});
    expect(validateListing(ok, 11).images).toMatch(/10/);
    expect(validateListing({ ...ok, condition: "broken" }, 0).condition).toBeTruthy();
  });
});

describe("jobs", () => {
  const j = (id: number, platform: string, status: string, listing_id = 1): Job => ({
    id,
    platform,
    status,
    listing_id,
    attempt: 1,
    max_attempts: 3,
  });
  it("keeps the newest job per platform of the listing", () => {
    const got = latestByPlatform([j(1, "sandbox", "failed"), j(3, "sandbox", "posted"), j(2, "facebook_marketplace", "pending"), j(9, "sandbox", "posting", 2)], 1);
    expect(got.map((x) => [x.platform, x.status])).toEqual([
      ["facebook_marketplace", "pending"],
      ["sandbox", "posted"],
    ]);
  });
  it("offers retry only for failed jobs with attempts left", () => {
    expect(canRetry(j(1, "s", "failed"))).toBe(true);
    expect(canRetry({ ...j(1, "s", "failed"), attempt: 3 })).toBe(false);
    expect(canRetry(j(1, "s", "posted"))).toBe(false);
  });
});

describe("live events", () => {
  it("maps events to the SWR keys they change", () => {
    expect(prefixesFor("job")).toContain("/api/jobs");
    expect(prefixesFor("message")).toContain("/api/conversations");
    expect(prefixesFor("whatever")).toEqual(["/api/"]);
    expect(keyMatches("/api/jobs?listing_id=3", prefixesFor("job_log"))).toBe(true);
    expect(keyMatches("/api/settings/responder", prefixesFor("job"))).toBe(false);
    expect(keyMatches(["x"], ["/api/"])).toBe(false);
  });
});

describe("keys and helpers", () => {
  it("asks one more listing than a page to know about the next page", () => {
    expect(listingsKey("sold", " bike ", "42")).toBe(`/api/listings?limit=${PAGE + 1}&status=sold&q=bike&cursor=42`);
    expect(listingsKey("", "", null)).toBe(`/api/listings?limit=${PAGE + 1}`);
  });
  it("lists conversations needing attention first", () => {
    expect(conversationsKey("", "")).toBe("/api/conversations?sort=attention&limit=100");
  });
  it("reorders photos", () => {
    expect(move([1, 2, 3], 2, 0)).toEqual([3, 1, 2]);
    expect(move([1, 2, 3], 0, -1)).toEqual([1, 2, 3]);
  });
  it("maps api field names to form ids", () => {
    expect(fieldId("pacing.active_max_ms")).toBe("pacing-active_max_ms");
  });
});

describe("images", () => {
  it("serves the api's filepath under /uploads and prefers the thumbnail for small views", () => {
    const im = { filepath: "uploads/a.jpg", thumbnail_url: "/uploads/a_thumb.jpg" };
    expect(imageSrc(im)).toBe("/uploads/a.jpg");
    expect(imageSrc(im, true)).toBe("/uploads/a_thumb.jpg");
    expect(imageSrc({ filepath: "uploads/b.png", thumbnail_url: null }, true)).toBe("/uploads/b.png");
  });
});
