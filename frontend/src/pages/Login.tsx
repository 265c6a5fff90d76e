// The login page and the first-run setup page (issue 11). The api keeps the session in an
// HttpOnly cookie; this page only sends the password. /setup reads the one-time token from the
// link's fragment (#token=...), which never reaches a server log.
import { useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { mutate } from "swr";
import { ApiError, sendJson } from "../api/client";
import { FieldError, btnPrimary, card, input } from "../components/ui";

/** A safe place to go after login: a path of this app, never another site. */
export function nextPath(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function Frame({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main id="main" className="mx-auto mt-16 max-w-sm px-4">
      <h1 className="mb-4 text-2xl font-bold">{title}</h1>
      <div className={card}>{children}</div>
    </main>
  );
}

export function Login({ passwordSet = true }: { passwordSet?: boolean }) {
  const [password, setPassword] = useState("");
  const [err, setErr] = useState<string>("");
  const [busy, setBusy] = useState(false);
  const [params] = useSearchParams();
  const navigate = useNavigate();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setErr("");
    setBusy(true);
    try {
      await sendJson("POST", "/api/auth/login", { password });
      await mutate("/api/auth/session");
      navigate(nextPath(params.get("next")), { replace: true });
    } catch (x) {
      setErr(x instanceof ApiError ? x.message : String(x));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Frame title="Bye-Buy: log in">
      {!passwordSet && (
        <p className="mb-3 text-sm text-slate-800">
          No password is set yet. Open the one-time setup link that <code>make up</code> printed, or run{" "}
          <code>build/bin/byebuy-api owner set-password</code>.
        </p>
      )}
      <form onSubmit={submit} className="space-y-3">
        <label htmlFor="password" className="block text-sm font-medium">
          Password
        </label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          className={input}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-describedby="password-err"
          required
        />
        <FieldError id="password-err" msg={err} />
        <button type="submit" className={btnPrimary} disabled={busy}>
          Log in
        </button>
      </form>
    </Frame>
  );
}

export function Setup() {
  const token = new URLSearchParams(window.location.hash.replace(/^#/, "")).get("token") ?? "";
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [err, setErr] = useState("");
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setErr("");
    if (password !== again) {
      setErr("The two passwords differ.");
      return;
    }
    setBusy(true);
    try {
      await sendJson("POST", "/api/auth/setup", { token, password });
      window.history.replaceState(null, "", "/setup"); // the token is used: out of the address bar
      await mutate("/api/auth/session");
      navigate("/", { replace: true });
    } catch (x) {
      setErr(x instanceof ApiError ? x.message : String(x));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Frame title="Bye-Buy: set your password">
      {!token && <p className="mb-3 text-sm text-red-800">This page needs the setup link that <code>make up</code> printed.</p>}
      <form onSubmit={submit} className="space-y-3">
        <label htmlFor="new-password" className="block text-sm font-medium">
          New password (at least 8 characters)
        </label>
        <input
          id="new-password"
          type="password"
          autoComplete="new-password"
          minLength={8}
          className={input}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
        <label htmlFor="new-password-again" className="block text-sm font-medium">
          The same again
        </label>
        <input
          id="new-password-again"
          type="password"
          autoComplete="new-password"
          className={input}
          value={again}
          onChange={(e) => setAgain(e.target.value)}
          aria-describedby="setup-err"
          required
        />
        <FieldError id="setup-err" msg={err} />
        <button type="submit" className={btnPrimary} disabled={busy || !token}>
          Set password and log in
        </button>
      </form>
    </Frame>
  );
}
