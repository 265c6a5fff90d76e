import { StrictMode, lazy } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Route, Routes } from "react-router";
import { SWRConfig } from "swr";
import "./index.css";
import { fetcher } from "./api/client";
import { useLive } from "./lib/live";
import { Layout } from "./components/Layout";
import { Dashboard } from "./pages/Dashboard";

// The dashboard is in the first bundle; other pages load on first visit (small first page).
const ListingDetail = lazy(() => import("./pages/ListingDetail").then((m) => ({ default: m.ListingDetail })));
const ListingEdit = lazy(() => import("./pages/ListingEdit").then((m) => ({ default: m.ListingEdit })));
const Inbox = lazy(() => import("./pages/Inbox").then((m) => ({ default: m.Inbox })));
const Settings = lazy(() => import("./pages/Settings").then((m) => ({ default: m.Settings })));
import { NotFound } from "./pages/NotFound";

function App() {
  const live = useLive();
  return (
    // Live: events revalidate; no stream: a slow poll so the page still moves.
    <SWRConfig value={{ fetcher, refreshInterval: live ? 0 : 15000, keepPreviousData: true }}>
      <BrowserRouter>
        <Routes>
          <Route element={<Layout live={live} />}>
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
      </BrowserRouter>
    </SWRConfig>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
