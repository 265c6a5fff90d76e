import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, api } from "../../src/api/client";

afterEach(() => vi.unstubAllGlobals());

describe("api client", () => {
  it("says the api cannot be reached when fetch fails", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("Failed to fetch")));
    const e = await api("/api/stats").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(0);
    expect((e as ApiError).message).toMatch(/cannot be reached/);
  });
  it("carries the problem's detail and field", async () => {
    const body = { status: 422, title: "Unprocessable", detail: "price: must be greater than 0", field: "price" };
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(new Response(JSON.stringify(body), { status: 422 })));
    const e = (await api("/api/listings").catch((x: unknown) => x)) as ApiError;
    expect([e.status, e.field, e.message]).toEqual([422, "price", "price: must be greater than 0"]);
  });
  it("names the status when the answer is not a problem document", async () => {
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(new Response("<html>", { status: 502, statusText: "Bad Gateway" })));
    const e = (await api("/api/listings").catch((x: unknown) => x)) as ApiError;
    expect(e.message).toBe("502 Bad Gateway");
  });
});
