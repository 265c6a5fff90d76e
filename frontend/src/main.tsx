import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Route, Routes } from "react-router";
import { SWRConfig } from "swr";
import "./index.css";
import { fetcher } from "./api/client";
import { useLive } from "./lib/live";
import { Layout } from "./components/Layout";
import { Dashboard } from "./pages/Dashboard";
import { ListingDetail } from "./pages/ListingDetail";
import { ListingEdit } from "./pages/ListingEdit";
import { Inbox } from "./pages/Inbox";
import { Settings } from "./pages/Settings";
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
