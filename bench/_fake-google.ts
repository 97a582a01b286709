/**
 * The strict fake Google Calendar (tests/helpers/fake-google-calendar.ts) in a
 * process of its own, so the bench's Rota process shares its event loop with
 * nobody. Prints one JSON line with its URLs, then serves until killed:
 *   GET {inspect}/live?calendarId=…&ids=a,b  → { "live": [true, false] }
 *   GET {inspect}/stats                      → { "calls": n, "writes": n, "writesByCalendar": { id: n } }
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeGoogleCalendar } from "../tests/helpers/fake-google-calendar.ts";

const publicKey = process.env.FAKE_GOOGLE_PUBLIC_KEY!;
const fake = await startFakeGoogleCalendar({ serviceAccount: { email: process.env.FAKE_GOOGLE_EMAIL!, publicKey } });
const inspect = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://inspect");
  let body: unknown = { error: "not found" };
  if (url.pathname === "/live") {
    const calendar = fake.calendars.get(url.searchParams.get("calendarId") ?? "");
    const ids = (url.searchParams.get("ids") ?? "").split(",");
    body = { live: ids.map((id) => calendar?.get(id)?.status === "confirmed") };
  } else if (url.pathname === "/stats") {
    const writes = fake.calls.filter((c) => c.method !== "GET" && c.path !== "/token");
    const writesByCalendar: Record<string, number> = {};
    for (const call of writes) {
      const encoded = /^\/calendar\/v3\/calendars\/([^/]+)\//.exec(call.path)?.[1];
      if (!encoded) continue;
      const calendar = decodeURIComponent(encoded);
      writesByCalendar[calendar] = (writesByCalendar[calendar] ?? 0) + 1;
    }
    body = { calls: fake.calls.length, writes: writes.length, writesByCalendar };
  }
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
});
await new Promise<void>((resolve) => inspect.listen(0, "127.0.0.1", resolve));
console.log(JSON.stringify({ url: fake.url, tokenUrl: fake.tokenUrl, inspect: `http://127.0.0.1:${(inspect.address() as AddressInfo).port}` }));
process.on("SIGTERM", () => process.exit(0));
