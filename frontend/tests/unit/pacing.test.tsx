import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { SWRConfig } from "swr";
import { AccountPacing, PostingPacing, pacingBody, pacingFieldId } from "../../src/pages/PostingPacing";
import { fetcher } from "../../src/api/client";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const values = {
  min_gap_s: 300,
  jitter_s: 180,
  posts_per_day: 7,
  delists_per_day: 30,
  updates_per_day: 20,
  posts_per_month: 20,
  hold_blocked_s: 86400,
  hold_limit_s: 0,
  timezone: null,
};
const fb = { platform: "facebook_marketplace", saved: { ...values, posts_per_day: null }, effective: values };

describe("posting pacing form", () => {
  it("sends whole numbers and names the first field that is not one", () => {
    const form = { min_gap_s: "300", jitter_s: "0", posts_per_day: "7", delists_per_day: "30", updates_per_day: "20", posts_per_month: "20", hold_limit_s: "0", reply_gap_min_s: "180" };
    expect(pacingBody(form)).toEqual({
      body: { min_gap_s: 300, jitter_s: 0, posts_per_day: 7, delists_per_day: 30, updates_per_day: 20, posts_per_month: 20, hold_blocked_s: null, hold_limit_s: 0, reply_gap_min_s: 180, reply_gap_max_s: null },
    });
    expect(pacingBody({ ...form, posts_per_day: "-1" })).toEqual({ field: "posts_per_day", msg: "A whole number, 0 or more (empty: the default)." });
    expect(pacingBody({ ...form, posts_per_day: " " })).toMatchObject({ body: { posts_per_day: null } });
    expect(pacingBody({ ...form, jitter_s: "1.5" })).toMatchObject({ field: "jitter_s" });
    expect(pacingFieldId("sandbox", "min_gap_s")).toBe("pacing-sandbox-min_gap_s");
  });
  it("shows the api's refusal on its field", async () => {
    const fetch = vi.fn(async (_path: string, init?: RequestInit) => {
      if (init?.method === "PUT")
        return new Response(JSON.stringify({ status: 422, detail: "posts_per_day: at most 100000", field: "posts_per_day" }), { status: 422 });
      return new Response(JSON.stringify([fb]), { status: 200 });
    });
    vi.stubGlobal("fetch", fetch);
    render(
      <SWRConfig value={{ fetcher, provider: () => new Map() }}>
        <PostingPacing />
      </SWRConfig>,
    );
    const posts = (await screen.findByLabelText("New posts per day")) as HTMLInputElement;
    const gap = screen.getByLabelText("Gap between actions (s)") as HTMLInputElement;
    await waitFor(() => expect(gap.value).toBe("300"));
    expect(posts.value).toBe(""); // not saved: the default, shown as the placeholder
    expect(posts.placeholder).toBe("7 (default)");
    fireEvent.change(posts, { target: { value: "100001" } });
    fireEvent.click(screen.getByRole("button", { name: "Save Facebook Marketplace pacing" }));
    await screen.findByText("posts_per_day: at most 100000");
    expect(posts.getAttribute("aria-invalid")).toBe("true");
    const put = fetch.mock.calls.find(([, i]) => i?.method === "PUT")!;
    expect(put[0]).toBe("/api/settings/pacing/facebook_marketplace");
    expect(JSON.parse(put[1]!.body as string).posts_per_day).toBe(100001);
  });
});

describe("an account's own pacing", () => {
  it("shows its marketplace's values as placeholders and saves its overrides", async () => {
    const fetch = vi.fn(async (_path: string, init?: RequestInit) => {
      const body = { ...fb, account_id: 4, saved: { ...values, min_gap_s: null, posts_per_day: 3 } };
      return new Response(JSON.stringify(init?.method === "PUT" ? body : { ...body, saved: { ...body.saved, posts_per_day: null } }));
    });
    vi.stubGlobal("fetch", fetch);
    render(
      <SWRConfig value={{ fetcher, provider: () => new Map() }}>
        <AccountPacing id={4} label="Shop A" />
      </SWRConfig>,
    );
    const posts = (await screen.findByLabelText("New posts per day")) as HTMLInputElement;
    expect(posts.placeholder).toBe("7 (as its marketplace)");
    expect(posts.id).toBe("pacing-account-4-posts_per_day");
    fireEvent.change(posts, { target: { value: "3" } });
    fireEvent.click(screen.getByRole("button", { name: "Save Shop A pacing" }));
    await screen.findByText("Saved.");
    const put = fetch.mock.calls.find(([, i]) => i?.method === "PUT")!;
    expect(put[0]).toBe("/api/accounts/4/pacing");
    expect(JSON.parse(put[1]!.body as string)).toMatchObject({ posts_per_day: 3, min_gap_s: null });
  });
});
