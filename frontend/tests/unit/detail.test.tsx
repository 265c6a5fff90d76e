import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { SWRConfig } from "swr";
import { fetcher } from "../../src/api/client";
import { ListingDetail } from "../../src/pages/ListingDetail";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const post = { id: 3, listing_id: 7, kind: "post", platform: "sandbox", status: "posted", attempt: 1, max_attempts: 3, external_url: "http://s/3" };

function page(listing: object, jobs: object[], onDelete?: () => Response) {
  const fetch = vi.fn(async (path: string, init?: RequestInit) => {
    if (init?.method === "DELETE" && onDelete) return onDelete();
    if (path.startsWith("/api/jobs")) return new Response(JSON.stringify(jobs));
    if (path === "/api/listings/7") return new Response(JSON.stringify(listing));
    return new Response("[]");
  });
  vi.stubGlobal("fetch", fetch);
  render(
    <SWRConfig value={{ fetcher, provider: () => new Map(), dedupingInterval: 0 }}>
      <MemoryRouter initialEntries={["/listings/7"]}>
        <Routes>
          <Route path="/listings/:id" element={<ListingDetail />} />
          <Route path="/" element={<p>home</p>} />
        </Routes>
      </MemoryRouter>
    </SWRConfig>,
  );
  return fetch;
}

describe("listing detail, issue 10", () => {
  it("asks every kind of job of the listing", async () => {
    const fetch = page({ id: 7, title: "Desk", status: "active", price: 80, currency: "USD" }, [post]);
    await screen.findByRole("heading", { name: "Desk" });
    await waitFor(() => expect(fetch.mock.calls.map(([p]) => p)).toContain("/api/jobs?listing_id=7&kind=all&limit=100"));
  });
  it("deleting a listing with a live posting says it is removed from it first", async () => {
    let deleted = false;
    page({ id: 7, title: "Desk", status: "active", price: 80, currency: "USD" }, [post], () => {
      deleted = true;
      return new Response(JSON.stringify({ status: "deleting", listing_id: 7 }), { status: 202 });
    });
    await screen.findByRole("link", { name: "View on Sandbox" });
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    expect(screen.getByTestId("delete-effect").textContent).toMatch(/^It will first be removed from its 1 live marketplace \(Sandbox\)/);
    fireEvent.click(screen.getByRole("button", { name: "Remove and delete" }));
    await screen.findByText("Deleting: removing it from Sandbox first…");
    expect(deleted).toBe(true);
  });
  it("a failed delete says which marketplace still shows the item and what to do", async () => {
    const failed = { ...post, status: "delist_failed", error_code: "login_required", error_message: "Log in first" };
    page({ id: 7, title: "Desk", status: "delete_failed", price: 80, currency: "USD" }, [failed]);
    const alert = await screen.findByTestId("deleting");
    expect(alert.textContent).toMatch(/Not deleted: Sandbox still shows this item\./);
    expect(screen.getByRole("button", { name: "Try removing again" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "I removed it by hand: delete now" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Retry removal" })).toBeTruthy();
    expect(screen.getAllByText(/asked to log in again/).length).toBeGreaterThan(0);
  });
});

describe("a delete that only the seller can finish", () => {
  it("does not offer to try again where the platform cannot remove items", async () => {
    const failed = { ...post, status: "delist_failed", error_code: "not_supported", error_message: "no delist step" };
    page({ id: 7, title: "Desk", status: "delete_failed", price: 80, currency: "USD" }, [failed]);
    const alert = await screen.findByTestId("deleting");
    expect(alert.textContent).toMatch(/cannot remove it there: remove it by hand/);
    expect(screen.queryByRole("button", { name: "Try removing again" })).toBeNull();
    expect(screen.getByRole("button", { name: "I removed it by hand: delete now" })).toBeTruthy();
  });
});
