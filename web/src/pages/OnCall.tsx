import { useEffect, useState } from "preact/hooks";
import { api, problemText, type Schemas } from "../api.ts";
import type { Me } from "../main.tsx";
import { localDateTime } from "../time.ts";
import { OnCallTimeline } from "./OnCallTimeline.tsx";

type OnCallAnswer = Schemas["OnCall"];

/** Who is on call now and next, per schedule, in the viewer's zone; refreshed every 30 s. */
export function OnCall({ me }: { me: Me }) {
  const [items, setItems] = useState<OnCallAnswer[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<{ id: string; name: string } | null>(null);

  useEffect(() => {
    const load = async () => {
      const { data, error } = await api.GET("/v1/oncall");
      if (data) {
        setItems(data.items);
        setError(null);
      } else setError(problemText(error));
    };
    void load();
    const timer = setInterval(load, 30_000);
    return () => clearInterval(timer);
  }, []);

  return (
    <section aria-labelledby="oncall-title">
      <h1 id="oncall-title">Who is on call</h1>
      {error && <p class="error" role="alert">{error}</p>}
      {items === null ? (
        <p role="status">Loading…</p>
      ) : items.length === 0 ? (
        <p>No schedules yet.</p>
      ) : (
        <table class="oncall">
          <caption class="visually-hidden">On call now and next, times in {me.timeZone}</caption>
          <thead>
            <tr>
              <th scope="col">Schedule</th>
              <th scope="col">Now</th>
              <th scope="col">Until</th>
              <th scope="col">Next</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.schedule.id}>
                <th scope="row">
                  <button type="button" class="link" aria-pressed={shown?.id === item.schedule.id} onClick={() => setShown({ id: item.schedule.id, name: item.schedule.name })}>
                    {item.schedule.name}
                  </button>
                </th>
                <td>{item.current ? item.current.person.name + (item.current.override ? " (override)" : "") : <span class="gap">No one</span>}</td>
                <td>{item.current ? localDateTime(item.current.until, me.timeZone) : "—"}</td>
                <td>{item.next ? `${item.next.person?.name ?? "No one"} from ${localDateTime(item.next.from, me.timeZone)}` : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items && items.length > 0 && <OnCallTimeline me={me} scheduleId={(shown ?? items[0]!.schedule).id} scheduleName={(shown ?? items[0]!.schedule).name} />}
    </section>
  );
}
