import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./api-types.ts";

/*
 * The typed client of the public API (openapi-fetch over types generated from
 * openapi.yaml at build time): the web app uses the API and nothing else.
 * The API token lives in localStorage; every request carries it.
 */

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];

const TOKEN_KEY = "rota.token";

export const session = {
  get token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  },
  set(token: string) {
    localStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    localStorage.removeItem(TOKEN_KEY);
  },
};

const auth: Middleware = {
  onRequest({ request }) {
    const token = session.token;
    if (token) request.headers.set("authorization", `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use(auth);

/** The words to show for a refusal: the problem's `detail`, else its title. */
export function problemText(error: unknown): string {
  const p = error as Partial<Problem> | undefined;
  return p?.detail ?? p?.title ?? "Something went wrong; try again.";
}
