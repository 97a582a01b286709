import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, session, type Schemas } from "./api.ts";
import { CoverageView } from "./pages/Coverage.tsx";
import { DutyCalendar } from "./pages/DutyCalendar.tsx";
import { MySchedule } from "./pages/MySchedule.tsx";
import { OnCall } from "./pages/OnCall.tsx";
import { SignIn } from "./pages/SignIn.tsx";
import "./styles.css";

export type Me = Schemas["Me"];

/** Path routing without a library: a few pages, history.pushState, the back button. */
export function navigate(path: string) {
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}

function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return path;
}

const PAGES = [
  { path: "/duty", label: "Duty calendar" },
  { path: "/me", label: "My schedule" },
  { path: "/oncall", label: "On call" },
  { path: "/coverage", label: "Coverage" },
] as const;

function App() {
  const path = usePath();
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  useEffect(() => {
    if (path === "/sign-in") return;
    if (!session.token) {
      setMe(null);
      return;
    }
    void api.GET("/v1/me").then(({ data }) => {
      if (!data) session.clear();
      setMe(data ?? null);
    });
  }, [path === "/sign-in"]);

  if (path === "/sign-in") return <SignIn onSignedIn={(who) => { setMe(who); navigate("/duty"); }} />;
  if (me === undefined) return <p class="loading" role="status">Loading…</p>;
  if (me === null) return <SignIn onSignedIn={(who) => { setMe(who); navigate(path === "/" ? "/duty" : path); }} />;

  const signOut = async () => {
    await api.DELETE("/v1/tokens/current");
    session.clear();
    setMe(null);
    navigate("/sign-in");
  };
  const pages = PAGES.filter((p) => p.path !== "/coverage" || me.role === "admin" || me.ledTeamIds.length > 0);
  const page = pages.find((p) => p.path === path) ?? pages[0]!;
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <strong class="brand">Rota</strong>
        <nav aria-label="Main">
          {pages.map((p) => (
            <a href={p.path} aria-current={p.path === page.path ? "page" : undefined} onClick={(e) => { e.preventDefault(); navigate(p.path); }}>
              {p.label}
            </a>
          ))}
        </nav>
        <span class="who">{me.name}</span>
        <button type="button" class="link" onClick={signOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        {page.path === "/duty" ? <DutyCalendar me={me} /> : page.path === "/me" ? <MySchedule me={me} /> : page.path === "/coverage" ? <CoverageView me={me} /> : <OnCall me={me} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
