import { describe, expect, it } from "vitest";
import type { Job } from "../../src/api/types";
import {
  KIND_WORDS,
  canRetry,
  failureAdvice,
  isLive,
  jobKind,
  latestByPlatform,
  latestFor,
  livePlatforms,
  postingsOf,
  scheduledLabel,
  statusWords,
} from "../../src/lib/jobs";
import { deleteEffect, listWords, soldBody, soldEffect } from "../../src/components/ListingActions";
import { actingWhat } from "../../src/components/Postings";
import { deletedNow } from "../../src/pages/ListingDetail";

const job = (o: Partial<Job>): Job => ({ id: 1, listing_id: 1, platform: "sandbox", status: "pending", attempt: 1, max_attempts: 3, ...o });

describe("job words", () => {
  it("names each kind", () => {
    expect(jobKind(job({}))).toBe("post");
    expect([KIND_WORDS.post, KIND_WORDS.delist, KIND_WORDS.update]).toEqual(["Post", "Remove", "Update"]);
  });
  it("says a posting's state as the seller sees it", () => {
    const words = ["pending", "posting", "posted", "failed", "delisting", "delisted", "delist_failed"].map((status) => statusWords(job({ status })));
    expect(words).toEqual(["queued", "posting", "posted", "failed", "removing", "removed", "removal failed"]);
  });
  it("says delist and update jobs' states in their own words", () => {
    const d = ["pending", "running", "done", "failed"].map((status) => statusWords(job({ kind: "delist", status })));
    expect(d).toEqual(["queued", "removing", "removed", "removal failed"]);
    const u = ["pending", "running", "done", "failed"].map((status) => statusWords(job({ kind: "update", status })));
    expect(u).toEqual(["queued", "updating", "updated", "update failed"]);
  });
  it("says what a delist or update job does", () => {
    expect(actingWhat(job({ kind: "delist", reason: "sold" }))).toBe("Remove (sold)");
    expect(actingWhat(job({ kind: "update", changed: ["price", "images"] }))).toBe("Update of price, photos");
    expect(actingWhat(job({ kind: "update", changed: null }))).toBe("Update");
  });
});

describe("postings", () => {
  const jobs = [
    job({ id: 1, platform: "sandbox", status: "failed" }),
    job({ id: 2, platform: "sandbox", status: "posted", external_url: "http://s/1" }),
    job({ id: 3, platform: "ebay", status: "delist_failed", external_url: "http://e/1" }),
    job({ id: 4, kind: "delist", posting_job_id: 3, status: "failed" }),
    job({ id: 5, kind: "delist", posting_job_id: 3, status: "failed" }),
    job({ id: 6, kind: "update", posting_job_id: 2, status: "running" }),
    job({ id: 7, platform: "facebook_marketplace", status: "delisted", external_url: "http://f/1" }),
  ];
  it("lists post jobs that reached a marketplace, newest first", () => {
    expect(postingsOf(jobs).map((j) => j.id)).toEqual([7, 3, 2]);
  });
  it("counts the marketplaces that still show the item", () => {
    expect(livePlatforms(jobs)).toEqual(["ebay", "sandbox"]);
    expect(isLive(jobs[6])).toBe(false);
    expect(isLive(jobs[3])).toBe(false); // a delist job is not a posting
  });
  it("finds the newest job acting on a posting", () => {
    expect(latestFor(jobs, 3, "delist")?.id).toBe(5);
    expect(latestFor(jobs, 2, "update")?.id).toBe(6);
    expect(latestFor(jobs, 2, "delist")).toBeUndefined();
  });
  it("keeps the dashboard's badge on the posting, not on the jobs acting on it", () => {
    const extra = [...jobs, job({ id: 9, kind: "update", platform: "sandbox", posting_job_id: 2, status: "failed" })];
    expect(latestByPlatform(extra, 1).map((j) => [j.platform, j.id])).toEqual([
      ["ebay", 3],
      ["facebook_marketplace", 7],
      ["sandbox", 2],
    ]);
  });
  it("offers Retry for every kind's failure, not for a step the platform cannot do", () => {
    expect(canRetry(job({ status: "delist_failed", attempt: 3 }))).toBe(true);
    expect(canRetry(job({ status: "failed", error_code: "cancelled" }))).toBe(false);
    expect(canRetry(job({ kind: "delist", status: "failed" }))).toBe(true);
    expect(canRetry(job({ kind: "update", status: "failed", attempt: 3 }))).toBe(false);
    expect(canRetry(job({ status: "delist_failed", error_code: "not_supported" }))).toBe(false);
    expect(canRetry(job({ kind: "delist", status: "running" }))).toBe(false);
  });
});

describe("scheduled jobs", () => {
  const now = Date.parse("2026-12-07T13:00:00Z");
  it("says when a waiting job runs, in the seller's locale and zone", () => {
    const j = job({ scheduled_at: "2026-12-07T14:05:00Z" });
    expect(scheduledLabel(j, now, "en-GB", "UTC")).toBe("Scheduled for 14:05 (account pacing)");
    expect(scheduledLabel(j, now, "en-US", "America/New_York")).toBe("Scheduled for 9:05 AM (account pacing)");
  });
  it("says why from the api's wait_reason: the cap, or the account's hold in full", () => {
    const at = "2026-12-08T09:00:00Z";
    expect(scheduledLabel(job({ scheduled_at: at, wait_reason: "daily cap: 7 posts a day on this account (posts_per_day) reached" }), now, "en-GB", "UTC")).toBe(
      "Scheduled for Tue 8 Dec, 09:00 (daily cap)",
    );
    expect(scheduledLabel(job({ scheduled_at: at, wait_reason: "monthly cap: 20 posts a month on this account (posts_per_month) already scheduled; waits for the next month" }), now, "en-GB", "UTC")).toBe(
      "Scheduled for Tue 8 Dec, 09:00 (monthly cap)",
    );
    const hold = "account on hold until 2026-12-08 09:00 UTC (blocked by facebook_marketplace: You're temporarily blocked)";
    expect(scheduledLabel(job({ scheduled_at: at, wait_reason: hold }), now, "en-GB", "UTC")).toBe(`Scheduled for Tue 8 Dec, 09:00 (${hold})`);
    expect(failureAdvice(job({ status: "failed", error_code: "limit_reached" }), "Facebook")).toMatch(/on hold/);
  });
  it("names the day when it is not today (a daily cap reached)", () => {
    const j = job({ scheduled_at: "2026-12-08T09:00:00Z" });
    expect(scheduledLabel(j, now, "en-GB", "UTC")).toBe("Scheduled for Tue 8 Dec, 09:00 (account pacing)");
  });
  it("says nothing for a job due now, running or without a time", () => {
    expect(scheduledLabel(job({ scheduled_at: "2026-12-07T12:59:00Z" }), now, "en-GB", "UTC")).toBeNull();
    expect(scheduledLabel(job({ status: "posting", scheduled_at: "2026-12-07T14:05:00Z" }), now)).toBeNull();
    expect(scheduledLabel(job({ scheduled_at: undefined }), now)).toBeNull();
    expect(scheduledLabel(job({ scheduled_at: "soon" }), now)).toBeNull();
  });
});

describe("failures in plain words", () => {
  it("tells the seller what to do", () => {
    expect(failureAdvice(job({ error_code: "login_required" }), "Sandbox")).toMatch(/log in again.*byebuy-login --platform sandbox/);
    expect(failureAdvice(job({ error_code: "not_supported" }), "Sandbox")).toMatch(/by hand on Sandbox/);
    expect(failureAdvice(job({ error_code: "whatever" }), "eBay")).toBe("eBay did not accept it.");
  });
});

describe("sold and delete", () => {
  it("joins marketplace names", () => {
    expect(listWords([])).toBe("");
    expect(listWords(["A"])).toBe("A");
    expect(listWords(["A", "B", "C"])).toBe("A, B and C");
  });
  it("says which marketplaces marking sold takes it off", () => {
    expect(soldEffect(["ebay", "sandbox"], "sandbox")).toBe("Bye-Buy will remove it from eBay right away.");
    expect(soldEffect(["ebay", "sandbox"], "")).toBe("Bye-Buy will remove it from eBay and Sandbox right away.");
    expect(soldEffect(["sandbox"], "sandbox")).toMatch(/nothing to remove/);
  });
  it("sends where and for how much it sold", () => {
    expect(soldBody("", "")).toEqual({});
    expect(soldBody("sandbox", "95.50")).toEqual({ platform: "sandbox", sold_price_cents: 9550 });
    expect(soldBody("", "abc")).toMatch(/price like/);
    expect(soldBody("", "0")).toMatch(/price like/);
  });
  it("says the listing is first removed from its live marketplaces", () => {
    expect(deleteEffect(["ebay", "sandbox"])).toMatch(/^It will first be removed from its 2 live marketplaces \(eBay and Sandbox\)/);
    expect(deleteEffect(["sandbox"])).toMatch(/its 1 live marketplace \(Sandbox\)/);
    expect(deleteEffect([])).toMatch(/^Its photos/);
  });
  it("tells a delete done at once from one waiting for removals", () => {
    expect(deletedNow({ status: "deleted" })).toBe(true);
    expect(deletedNow({ status: "deleting", listing_id: 3 })).toBe(false);
    expect(deletedNow(undefined)).toBe(false);
  });
});
