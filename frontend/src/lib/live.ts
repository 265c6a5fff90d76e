// Live updates: one EventSource on /api/events; each named event revalidates the SWR keys it can
// change (keys are api paths). While the stream is down the app polls slowly instead
// (useLive() drives SWR's refreshInterval in main.tsx). Event names: contracts.md "sse".
import { useEffect, useState } from "react";
import { mutate } from "swr";

export const EVENT_PREFIXES: Record<string, string[]> = {
  job: ["/api/jobs", "/api/stats"],
  job_log: ["/api/jobs"],
  listing: ["/api/listings", "/api/stats"],
  listing_images: ["/api/listings"],
  conversation: ["/api/conversations", "/api/stats"],
  message: ["/api/conversations", "/api/stats"],
  account: ["/api/accounts", "/api/polling", "/api/stats"],
  settings: ["/api/settings"],
  reset: ["/api/"], // the stream lost events: refetch everything
};

/** The key prefixes an event invalidates; an unknown or unnamed event: everything under /api. */
export function prefixesFor(event: string): string[] {
  return EVENT_PREFIXES[event] ?? ["/api/"];
}

export function keyMatches(key: unknown, prefixes: string[]): boolean {
  return typeof key === "string" && prefixes.some((p) => key.startsWith(p));
}

function revalidate(event: string) {
  const prefixes = prefixesFor(event);
  void mutate((key) => keyMatches(key, prefixes));
}

export function useLive(): boolean {
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const es = new EventSource("/api/events");
    es.onopen = () => {
      setConnected(true);
      revalidate("*"); // events missed while reconnecting
    };
    es.onerror = () => setConnected(false);
    es.onmessage = () => revalidate("*");
    for (const name of Object.keys(EVENT_PREFIXES)) es.addEventListener(name, () => revalidate(name));
    return () => es.close();
  }, []);
  return connected;
}
