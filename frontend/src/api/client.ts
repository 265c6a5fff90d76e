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

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { Accept: "application/json", ...init.headers } });
  } catch {
    throw new ApiError(0, "The Bye-Buy api cannot be reached. Is it running (make up)?");
  }
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
