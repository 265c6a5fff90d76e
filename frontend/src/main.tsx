import { StrictMode, lazy } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";
import useSWR, { SWRConfig } from "swr";
import "./index.css";
import { fetcher, loginPath, setCsrfToken } from "./api/client";
import type { AuthSession } from "./api/types";
import { Loading } from "./components/ui";
import { Login, Setup } from "./pages/Login";
import { useLive } from "./lib/live";
import { Layout } from "./components/Layout";
import { Dashboard } from "./pages/Dashboard";

// The dashboard is in the first bundle; other pages load on first visit (small first page).
const ListingDetail = lazy(() => import("./pages/ListingDetail").then((m) => ({ default: m.ListingDetail })));
const ListingEdit = lazy(() => import("./pages/ListingEdit").then((m) => ({ default: m.ListingEdit })));
const Inbox = lazy(() => import("./pages/Inbox").then((m) => ({ default: m.Inbox })));
const Settings = lazy(() => import("./pages/Settings").then((m) => ({ default: m.Settings })));
import { NotFound } from "./pages/NotFound";

// The session decides what renders: the login and setup pages without one, the app with one
// (AUTH=none: always). Only then does the app open its event stream and poll.
function Gate() {
  const { data: session, error } = useSWR<AuthSession>("/api/auth/session", fetcher, {
    refreshInterval: 0,
    revalidateOnFocus: true,
  });
  const where = useLocation();
  setCsrfToken(session?.csrf_token);
  if (where.pathname === "/setup") return <Setup />;
  if (!session && !error) return <Loading what="Bye-Buy" />;
  if (where.pathname === "/login")
    return session?.authenticated ? <Navigate to="/" replace /> : <Login passwordSet={session?.password_set ?? true} />;
  if (session && !session.authenticated)
    return <Navigate to={session.password_set ? loginPath(where.pathname + where.search) : "/login"} replace />;
  return <App auth={session?.auth ?? "login"} />;
}

function App({ auth }: { auth: string }) {
  const live = useLive();
  return (
    // Live: events revalidate; no stream: a slow poll so the page still moves.
    <SWRConfig value={{ fetcher, refreshInterval: live ? 0 : 15000, keepPreviousData: true }}>
        <Routes>
          <Route element={<Layout live={live} auth={auth} />}>
            <Route index element={<Dashboard />} />
            <Route path="listings/new" element={<ListingEdit />} />
            <Route path="listings/:id" element={<ListingDetail />} />
            <Route path="listings/:id/edit" element={<ListingEdit />} />
            <Route path="inbox" element={<Inbox />} />
            <Route path="inbox/:id" element={<Inbox />} />
            <Route path="settings" element={<Settings />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
    </SWRConfig>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <BrowserRouter>
      <Gate />
    </BrowserRouter>
  </StrictMode>,
);
