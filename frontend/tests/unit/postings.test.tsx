import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { Job, Listing } from "../../src/api/types";
import { Postings } from "../../src/components/Postings";
import { MarkSold } from "../../src/components/ListingActions";
import { ScheduledNote } from "../../src/components/jobs";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const job = (o: Partial<Job>): Job => ({ id: 1, listing_id: 1, platform: "sandbox", status: "posted", attempt: 1, max_attempts: 3, ...o });

describe("postings", () => {
  it("shows a failed removal with its reason and a Retry that asks the api again", async () => {
    const fetch = vi.fn().mockResolvedValue(new Response(JSON.stringify(job({})), { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    const refresh = vi.fn();
    const jobs = [
      job({ id: 3, status: "delist_failed", external_url: "http://s/3" }),
      job({ id: 4, kind: "delist", posting_job_id: 3, status: "failed", error_code: "timeout", error_message: "no answer in 60 s" }),
    ];
    render(<Postings jobs={jobs} refresh={refresh} />);
    expect(screen.getByText("Sandbox still shows this item.")).toBeTruthy();
    expect(screen.getByText(/too slow to answer/)).toBeTruthy();
    expect(screen.getByText("no answer in 60 s")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(refresh).toHaveBeenCalled());
    expect(fetch.mock.calls[0][0]).toBe("/api/jobs/4/retry");
  });
  it("tells to remove it by hand, with the link, when the platform cannot", () => {
    const jobs = [job({ id: 3, status: "delist_failed", error_code: "not_supported", error_message: "no delist step", external_url: "http://s/3" })];
    render(<Postings jobs={jobs} refresh={() => {}} />);
    expect(screen.getByText(/by hand on Sandbox/)).toBeTruthy();
    expect(screen.getByRole("link", { name: "Open the posting on Sandbox" }).getAttribute("href")).toBe("http://s/3");
    expect(screen.queryByRole("button", { name: /Retry/ })).toBeNull();
  });
  it("shows the update acting on a posting", () => {
    const jobs = [job({ id: 2 }), job({ id: 6, kind: "update", posting_job_id: 2, status: "running", changed: ["price"] })];
    render(<Postings jobs={jobs} refresh={() => {}} />);
    expect(screen.getByText("Update of price: updating")).toBeTruthy();
  });
});

describe("a removal that used every attempt", () => {
  it("offers Retry removal on the posting (the api starts a fresh delist)", () => {
    const jobs = [
      job({ id: 3, status: "delist_failed", delist_job_id: 4, external_url: "http://s/3" }),
      job({ id: 4, kind: "delist", posting_job_id: 3, status: "failed", attempt: 3, error_code: "timeout" }),
    ];
    render(<Postings jobs={jobs} refresh={() => {}} />);
    expect(screen.getAllByRole("button", { name: /Retry/ }).map((b) => b.textContent)).toEqual(["Retry removal"]);
  });
});

describe("scheduled note", () => {
  it("says when a waiting job will run", () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    render(<ScheduledNote job={job({ status: "pending", scheduled_at: at })} />);
    expect(screen.getByTestId("scheduled").textContent).toMatch(/^Scheduled for .+ \(account pacing\)$/);
  });
});

describe("mark sold", () => {
  it("asks where it sold and for how much, then posts /sold", async () => {
    const fetch = vi.fn().mockResolvedValue(new Response("{}", { status: 202 }));
    vi.stubGlobal("fetch", fetch);
    const l = { id: 5, title: "Lamp", status: "active" } as Listing;
    const jobs = [job({ id: 1, platform: "sandbox" }), job({ id: 2, platform: "ebay" })];
    const done = vi.fn();
    render(<MarkSold l={l} jobs={jobs} onDone={done} />);
    fireEvent.click(screen.getByRole("button", { name: "Mark sold" }));
    fireEvent.click(screen.getByLabelText("On eBay"));
    expect(screen.getByTestId("sold-effect").textContent).toBe("Bye-Buy will remove it from Sandbox right away.");
    fireEvent.change(screen.getByLabelText("Sold for (optional)"), { target: { value: "12,5" } });
    fireEvent.submit(screen.getByLabelText("Sold for (optional)").closest("form")!);
    expect(screen.getByText(/A price like/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Sold for (optional)"), { target: { value: "12.50" } });
    fireEvent.submit(screen.getByLabelText("Sold for (optional)").closest("form")!);
    await waitFor(() => expect(done).toHaveBeenCalled());
    expect(fetch.mock.calls[0][0]).toBe("/api/listings/5/sold");
    expect(JSON.parse(fetch.mock.calls[0][1].body)).toEqual({ platform: "ebay", sold_price_cents: 1250 });
  });
});
