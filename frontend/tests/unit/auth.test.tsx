import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { SWRConfig } from "swr";
import { api, fetcher, loginPath, setCsrfToken } from "../../src/api/client";
import { nextPath } from "../../src/pages/Login";
import { Tokens } from "../../src/pages/Tokens";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

describe("login (issue 11)", () => {
  it("goes back only to a path of this app after login", () => {
    expect(nextPath("/listings/3")).toBe("/listings/3");
    expect(nextPath(null)).toBe("/");
    expect(nextPath("https://evil.example/")).toBe("/");
    expect(nextPath("//evil.example/")).toBe("/");
    expect(loginPath("/inbox?x=1")).toBe("/login?next=%2Finbox%3Fx%3D1");
  });
  it("sends the session's CSRF token on writes, not on reads, with the cookie", async () => {
    const fetch = vi.fn(async () => new Response("{}", { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    setCsrfToken("abc");
    await api("/api/listings");
    await api("/api/listings/1", { method: "DELETE" });
    const calls = fetch.mock.calls as unknown as [string, RequestInit][];
    expect(calls[0][1].credentials).toBe("same-origin");
    expect((calls[0][1].headers as Record<string, string>)["X-CSRF-Token"]).toBeUndefined();
    expect((calls[1][1].headers as Record<string, string>)["X-CSRF-Token"]).toBe("abc");
  });
  it("goes to the login page when the api answers 401", async () => {
    const assign = vi.fn();
    vi.stubGlobal("location", { ...window.location, pathname: "/inbox", search: "", assign });
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ status: 401, detail: "log in" }), { status: 401 })));
    await expect(api("/api/stats")).rejects.toMatchObject({ status: 401 });
    expect(assign).toHaveBeenCalledWith("/login?next=%2Finbox");
  });
});

describe("settings: API tokens", () => {
  it("shows a new token once and revokes one", async () => {
    let tokens = [{ id: 1, name: "stack", prefix: "bb_abcdefg", created_at: "2026-12-07T10:00:00Z", last_used_at: null }];
    const fetch = vi.fn(async (path: string, init?: RequestInit) => {
      if (init?.method === "POST") {
        const made = { id: 2, name: JSON.parse(init.body as string).name, prefix: "bb_zzzzzzz", created_at: "2026-12-07T10:01:00Z", last_used_at: null };
        tokens = [made, ...tokens];
        return new Response(JSON.stringify({ ...made, token: "bb_zzzzzzzSECRET" }), { status: 201 });
      }
      if (init?.method === "DELETE") {
        tokens = tokens.filter((t) => `/api/tokens/${t.id}` !== path);
        return new Response(null, { status: 204 });
      }
      return new Response(JSON.stringify(tokens));
    });
    vi.stubGlobal("fetch", fetch);
    vi.stubGlobal("confirm", () => true);
    render(
      <SWRConfig value={{ fetcher, provider: () => new Map() }}>
        <Tokens />
      </SWRConfig>,
    );
    await screen.findByRole("button", { name: "Revoke stack" });
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "backup" } });
    fireEvent.click(screen.getByRole("button", { name: "Create token" }));
    expect((await screen.findByTestId("new-token")).textContent).toBe("bb_zzzzzzzSECRET");
    await screen.findByRole("button", { name: "Revoke backup" });
    fireEvent.click(screen.getByRole("button", { name: "Revoke stack" }));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Revoke stack" })).toBeNull());
    expect(fetch.mock.calls.some(([p, i]) => p === "/api/tokens/1" && i?.method === "DELETE")).toBe(true);
  });
});
