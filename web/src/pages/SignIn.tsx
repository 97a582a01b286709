import { useEffect, useState } from "preact/hooks";
import { api, problemText, session } from "../api.ts";
import type { Me } from "../main.tsx";

/**
 * Sign-in: a one-time link (`/sign-in#rotalink_…`, made by a lead or admin)
 * is exchanged for an API token at once; or a token is pasted. The fragment
 * is removed from the address bar before anything else happens.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [token, setToken] = useState("");

  const finish = async (newToken: string) => {
    session.set(newToken);
    const { data, error } = await api.GET("/v1/me");
    if (!data) {
      session.clear();
      setError(problemText(error));
      return;
    }
    onSignedIn(data);
  };

  useEffect(() => {
    const link = location.hash.slice(1);
    if (!link) return;
    history.replaceState(null, "", location.pathname);
    setBusy(true);
    void api.POST("/v1/sign-in", { body: { link } }).then(async ({ data, error }) => {
      setBusy(false);
      if (data) await finish(data.token);
      else setError(problemText(error));
    });
  }, []);

  return (
    <main id="main" class="sign-in">
      <h1>Sign in to Rota</h1>
      {busy && <p role="status">Signing you in…</p>}
      {error && <p class="error" role="alert">{error}</p>}
      <p>Open the sign-in link your lead or an admin sent you, or paste an API token.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) void finish(token.trim());
        }}
      >
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} placeholder="rota_…" />
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
