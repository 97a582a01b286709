import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, problemText, type Schemas } from "../api.ts";
import type { Me } from "../main.tsx";
import { addDays, localDate, localDateTime, localTime, mondayOf, startOfDay } from "../time.ts";

type Team = Schemas["Team"];
type Coverage = Schemas["Coverage"];
type Shortfall = Coverage["shortfalls"][number];
type Candidates = Schemas["CoverageCandidates"];
type TimeOff = Schemas["TimeOff"];
type Swap = Schemas["Swap"];

const HOURS = Array.from({ length: 24 }, (_, h) => h);

/**
 * The lead's week: required against scheduled per requirement and skill as a
 * heatmap (red where short, the shortfall in words too), a gap's candidates
 * and a shift for one of them in one click, and pending time off to decide.
 */
export function CoverageView({ me }: { me: Me }) {
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [teamId, setTeamId] = useState<string | null>(null);
  const [week, setWeek] = useState(0);
  const [coverage, setCoverage] = useState<Coverage | null>(null);
  const [gap, setGap] = useState<Shortfall | null>(null);
  const [candidates, setCandidates] = useState<Candidates | null>(null);
  const [pending, setPending] = useState<TimeOff[]>([]);
  const [swaps, setSwaps] = useState<Swap[]>([]);
  const [names, setNames] = useState<Map<string, string>>(new Map());
  const [message, setMessage] = useState<{ kind: "error" | "ok"; text: string } | null>(null);

  useEffect(() => {
    void api.GET("/v1/teams", { params: { query: { limit: 200 } } }).then(({ data, error }) => {
      if (!data) return setMessage({ kind: "error", text: problemText(error) });
      const led = me.role === "admin" ? data.items : data.items.filter((t) => me.ledTeamIds.includes(t.id));
      setTeams(led);
      setTeamId(led[0]?.id ?? null);
    });
  }, []);

  const team = teams?.find((t) => t.id === teamId);
  const zone = team?.timeZone ?? me.timeZone;
  // The team's week: Monday 00:00 to Monday 00:00 in its own zone (168 hours, or 167 or 169 across a DST change).
  const monday = addDays(mondayOf(localDate(new Date(), zone)), week * 7);
  const days = Array.from({ length: 7 }, (_, d) => addDays(monday, d));
  const from = startOfDay(monday, zone);
  const to = startOfDay(addDays(monday, 7), zone);
  const shownFrom = useRef(0);
  shownFrom.current = from.getTime();

  const load = async () => {
    if (!teamId) return;
    const [cov, off, members, accepted] = await Promise.all([
      api.GET("/v1/teams/{id}/coverage", { params: { path: { id: teamId }, query: { from: from.toISOString(), to: to.toISOString() } } }),
      api.GET("/v1/time-off", { params: { query: { teamId, status: "requested", limit: 100 } } }),
      api.GET("/v1/teams/{id}/members", { params: { path: { id: teamId }, query: { limit: 200 } } }),
      api.GET("/v1/swaps", { params: { query: { teamId, status: "accepted", limit: 100 } } }),
    ]);
    setSwaps((accepted.data?.items ?? []).filter((w) => w.requiresApproval && w.teamId === teamId));
    setNames(new Map((members.data?.items ?? []).map((m) => [m.personId, m.person.name])));
    // A slow answer for a week no longer shown is dropped (the label and the data always agree).
    if (cov.data) setCoverage((shown) => (Date.parse(cov.data.from) === shownFrom.current ? cov.data : shown));
    else setMessage({ kind: "error", text: problemText(cov.error) });
    setPending(off.data?.items ?? []);
  };
  useEffect(() => {
    setCoverage(null);
    setGap(null);
    void load();
  }, [teamId, week]);

  // Per local day and hour: the largest shortfall touching it.
  const heat = useMemo(() => {
    const cells = new Map<string, Shortfall[]>();
    for (const s of coverage?.shortfalls ?? []) {
      for (let t = Math.floor(Date.parse(s.start) / 3_600_000) * 3_600_000; t < Date.parse(s.end); t += 3_600_000) {
        const key = `${localDate(new Date(t), zone)}|${Number(localTime(new Date(t), zone).slice(0, 2))}`;
        cells.set(key, [...(cells.get(key) ?? []), s]);
      }
    }
    return cells;
  }, [coverage, zone]);

  const pick = async (s: Shortfall) => {
    setGap(s);
    setCandidates(null);
    const { data, error } = await api.GET("/v1/teams/{id}/coverage/candidates", { params: { path: { id: teamId! }, query: { start: s.start, end: s.end, ...(s.skill ? { skill: s.skill } : {}) } } });
    if (data) setCandidates(data);
    else setMessage({ kind: "error", text: problemText(error) });
  };

  const schedule = async (personId: string, name: string) => {
    if (!gap) return;
    const { error } = await api.POST("/v1/shifts", { body: { teamId: teamId!, personId, start: gap.start, end: gap.end } });
    setMessage(error ? { kind: "error", text: problemText(error) } : { kind: "ok", text: `Scheduled ${name}, ${localDateTime(gap.start, zone)}–${localTime(gap.end, zone)}.` });
    if (!error) setGap(null);
    await load();
  };

  const decide = async (t: TimeOff, verb: "approve" | "deny") => {
    const { error } = verb === "approve" ? await api.POST("/v1/time-off/{id}/approve", { params: { path: { id: t.id } }, body: {} }) : await api.POST("/v1/time-off/{id}/deny", { params: { path: { id: t.id } }, body: {} });
    setMessage(error ? { kind: "error", text: problemText(error) } : { kind: "ok", text: verb === "approve" ? "Time off approved." : "Time off denied." });
    await load();
  };

  const approveSwap = async (w: Swap, verb: "approve" | "cancel") => {
    const { error } = verb === "approve" ? await api.POST("/v1/swaps/{id}/approve", { params: { path: { id: w.id } } }) : await api.POST("/v1/swaps/{id}/cancel", { params: { path: { id: w.id } } });
    setMessage(error ? { kind: "error", text: problemText(error) } : { kind: "ok", text: verb === "approve" ? "Swap approved: either of the two completes it." : "Swap turned down." });
    await load();
  };

  if (teams && teams.length === 0) return <p>You lead no team.</p>;
  return (
    <section aria-labelledby="coverage-title">
      <h1 id="coverage-title">Coverage{team ? `: ${team.name}` : ""}</h1>
      <div class="toolbar">
        {teams && teams.length > 1 && (
          <label>
            Team{" "}
            <select value={teamId ?? ""} onChange={(e) => setTeamId(e.currentTarget.value)}>
              {teams.map((t) => <option value={t.id}>{t.name}</option>)}
            </select>
          </label>
        )}
        <button type="button" onClick={() => setWeek(week - 1)} aria-label="Previous week">‹</button>
        <span class="month" aria-live="polite">Week of {days[0]}</span>
        <button type="button" onClick={() => setWeek(week + 1)} aria-label="Next week">›</button>
        <span>Times in {zone}</span>
      </div>
      <p class={message?.kind === "error" ? "error" : "ok"} role={message?.kind === "error" ? "alert" : "status"}>{message?.text ?? ""}</p>
      {coverage === null || Date.parse(coverage.from) !== from.getTime() ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <div class="heatmap-wrap">
            <table class="heatmap">
              <caption class="visually-hidden">Staffing shortfalls by hour</caption>
              <thead>
                <tr>
                  <th scope="col">Hour</th>
                  {days.map((d) => <th scope="col">{d.slice(5)}</th>)}
                </tr>
              </thead>
              <tbody>
                {HOURS.map((h) => (
                  <tr>
                    <th scope="row">{String(h).padStart(2, "0")}:00</th>
                    {days.map((d) => {
                      const short = heat.get(`${d}|${h}`);
                      const worst = short?.reduce((a, b) => (b.shortfall > a.shortfall ? b : a));
                      return (
                        <td class={worst ? "short" : undefined}>
                          {worst && (
                            <button type="button" class="cell" title={`${worst.scheduled} of ${worst.required} scheduled${worst.skill ? ` (${worst.skill})` : ""}`} onClick={() => void pick(worst)}>
                              −{worst.shortfall}
                            </button>
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>Gaps this week</h2>
          {coverage.shortfalls.length === 0 ? (
            <p>Fully staffed.</p>
          ) : (
            <ul class="agenda">
              {coverage.shortfalls.map((s) => (
                <li key={`${s.requirementId}-${s.start}`}>
                  <button type="button" class="link" onClick={() => void pick(s)}>
                    {localDateTime(s.start, zone)}–{localTime(s.end, zone)}: {s.scheduled} scheduled, {s.required} needed{s.skill ? ` with ${s.skill}` : ""}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {gap && (
        <div class="panel" role="region" aria-label="Who could fill the gap">
          <h2>Who could fill {localDateTime(gap.start, zone)}–{localTime(gap.end, zone)}</h2>
          {candidates === null ? (
            <p role="status">Loading…</p>
          ) : candidates.candidates.length === 0 ? (
            <p>Nobody free{gap.skill ? ` with ${gap.skill}` : ""}.</p>
          ) : (
            <ul class="agenda">
              {candidates.candidates.map((c) => (
                <li key={c.person.id}>
                  {c.person.name} ({Math.round(c.weekScheduledMinutes / 60)} h this week){" "}
                  <button type="button" onClick={() => void schedule(c.person.id, c.person.name)}>Schedule {c.person.name}</button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <h2>Swaps to approve</h2>
      {swaps.length === 0 ? (
        <p>Nothing waiting.</p>
      ) : (
        <ul class="agenda">
          {swaps.map((w) => (
            <li key={w.id}>
              {names.get(w.requesterId) ?? "A member"} → {w.counterpartId ? names.get(w.counterpartId) ?? "a member" : "anyone"}: {w.offered.start ? localDateTime(w.offered.start, zone) : w.offered.kind}
              {w.requested?.start ? ` for ${localDateTime(w.requested.start, zone)}` : ""}{" "}
              <button type="button" onClick={() => void approveSwap(w, "approve")}>Approve</button>{" "}
              <button type="button" onClick={() => void approveSwap(w, "cancel")}>Turn down</button>
            </li>
          ))}
        </ul>
      )}
      <h2>Time off to decide</h2>
      {pending.length === 0 ? (
        <p>Nothing waiting.</p>
      ) : (
        <ul class="agenda">
          {pending.map((t) => (
            <li key={t.id}>
              {t.personId === me.id ? "You" : names.get(t.personId) ?? "A member"}: {localDateTime(t.start, zone)} – {localDateTime(t.end, zone)}{" "}
              <button type="button" onClick={() => void decide(t, "approve")}>Approve</button>{" "}
              <button type="button" onClick={() => void decide(t, "deny")}>Deny</button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
