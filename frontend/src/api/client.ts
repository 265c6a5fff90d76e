// Same-origin calls to the api. Every failure becomes an ApiError carrying the RFC 7807 problem's
// detail and field (the api names the field it refused), so forms can show it on that field.
import type { Problem } from "./types";

export class ApiError extends Error {
  status: number;
  field?: string;
  constructor(status: number, message: string, field?: string) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

async function problemOf(res: Response): Promise<ApiError> {
  let p: Problem = {};
  try {
    p = (await res.json()) as Problem;
  } catch {
    /* not JSON: a proxy or the api down; the status line says enough */
  }
  const msg = p.detail || p.title || `${res.status} ${res.statusText || "error"}`;
  return new ApiError(res.status, msg, p.field);
}

// The session's CSRF token (GET /api/auth/session): sent on writes beside the browser's own
// Origin header, for browsers or proxies that drop Origin.
let csrfToken: string | null = null;
export function setCsrfToken(t: string | null | undefined) {
  csrfToken = t ?? null;
}

/** Where the app goes when the api says the session is gone (401): the login page, back after. */
export function loginPath(here: string): string {
  return `/login?next=${encodeURIComponent(here)}`;
}

function toLogin() {
  const here = window.location.pathname + window.location.search;
  if (!window.location.pathname.startsWith("/login") && !window.location.pathname.startsWith("/setup"))
    window.location.assign(loginPath(here));
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  const method = (init.method ?? "GET").toUpperCase();
  const csrf: Record<string, string> = method !== "GET" && csrfToken ? { "X-CSRF-Token": csrfToken } : {};
  try {
    res = await fetch(path, {
      ...init,
      credentials: "same-origin",
      headers: { Accept: "application/json", ...csrf, ...init.headers },
    });
  } catch {
    throw new ApiError(0, "The Bye-Buy api cannot be reached. Is it running (make up)?");
  }
  if (res.status === 401 && !path.startsWith("/api/auth/")) toLogin();
  if (!res.ok) throw await problemOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export function sendJson<T>(method: string, path: string, body: unknown): Promise<T> {
  return api<T>(path, {
    method,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** The SWR fetcher: the key is the path. */
export const fetcher = <T,>(path: string) => api<T>(path);
