import { Suspense } from "react";
import { NavLink, Outlet } from "react-router";
import useSWR from "swr";
import type { Stats } from "../api/types";
import { ApiError, api } from "../api/client";
import { Loading } from "./ui";

function navClass({ isActive }: { isActive: boolean }) {
  return `rounded-md px-3 py-2 text-sm font-medium ${
    isActive ? "bg-blue-700 text-white" : "text-slate-800 hover:bg-slate-200"
  }`;
}

async function logout() {
  try {
    await api("/api/auth/logout", { method: "POST" });
  } finally {
    window.location.assign("/login");
  }
}

export function Layout({ live, auth = "login" }: { live: boolean; auth?: string }) {
  // Stats double as the "is the api up" probe of every page.
  const { data: stats, error } = useSWR<Stats>("/api/stats");
  const attention = stats?.needs_attention ?? 0;
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2 focus:bg-white">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-2 px-4 py-3">
          <NavLink to="/" className="mr-4 text-lg font-bold text-slate-900">
            Bye-Buy
          </NavLink>
          <nav aria-label="Main" className="flex flex-wrap gap-1">
            <NavLink to="/" end className={navClass}>
              Listings
            </NavLink>
            <NavLink to="/inbox" className={navClass}>
              Inbox
              {attention > 0 && (
                <span className="ml-1 rounded-full bg-orange-800 px-1.5 text-xs text-white">
                  {attention}
                  <span className="sr-only"> need attention</span>
                </span>
              )}
            </NavLink>
            <NavLink to="/settings" className={navClass}>
              Settings
            </NavLink>
          </nav>
          <span className="ml-auto text-xs text-slate-700" role="status" aria-live="polite">
            <span
              aria-hidden="true"
              className={`mr-1 inline-block h-2 w-2 rounded-full ${live ? "bg-green-600" : "bg-slate-400"}`}
            />
            {live ? "Live" : "Updating every 15 s"}
          </span>
          {auth === "login" && (
            <button type="button" onClick={() => void logout()} className={navClass({ isActive: false })}>
              Log out
            </button>
          )}
        </div>
      </header>
      {error instanceof ApiError && (
        <div role="alert" className="bg-red-700 px-4 py-2 text-center text-sm text-white">
          {error.status === 0 ? error.message : `The api answered an error: ${error.message}`}
        </div>
      )}
      <main id="main" className="mx-auto max-w-6xl px-4 py-6">
        <Suspense fallback={<Loading what="the page" />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
