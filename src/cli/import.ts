/**
 * npm run import -- --from pagerduty|opsgenie|grafana|ical FILE [--oncalls FILE] [--apply]
 *
 * Sends an export to a running Rota (POST /v1/imports) and prints the plan
 * and the replay proof. It talks HTTP, not to the database, so it works the
 * same against an embedded PGlite server (whose data directory only the
 * server may open) and a PostgreSQL one, with the API's checks, rights and
 * audit. Exit status: 0 when the import went through and, with --oncalls,
 * every schedule replayed with 0 disagreements; 2 when the replay disagrees
 * or people are missing; 1 on a refused request or a usage error.
 *
 * In the container image: node dist/cli/import.js …
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";

const USAGE = `Usage: npm run import -- --from pagerduty|opsgenie|grafana|ical FILE [options]

  --oncalls FILE        the old system's own on-call answers, to replay (not for ical)
  --apply               write (default: a dry run that writes nothing)
  --create-people       create people no one in Rota has the email of
  --mapping FILE        JSON {"<old user id or iCal name>": "email", …}
  --team ID             the team the schedules belong to
  --window FROM/TO      the replay window (ISO instants); for ical, the events to read (required)
  --schedule-name NAME  ical: the schedule's name
  --time-zone ZONE      ical: the schedule's zone
  --json                print the API's answer as JSON
  --url URL             the Rota server (env ROTA_URL, default http://localhost:3000)
  token                 env ROTA_TOKEN: an admin's API token`;

interface Report {
  applied: boolean;
  people: { ref: string; name: string; email: string; action: string }[];
  schedules: { ref: string; name: string; action: string; layers: number; overrides: { create: number; replace: number; unchanged: number } }[];
  findings: { kind: string; code: string; place: string; message: string }[];
  replay: {
    scheduleRef: string;
    window: { start: string; end: string };
    agreeHours: number;
    disagreeHours: number;
    verified: boolean;
    disagreements: { start: string; end: string; expected: string[]; actual: string | null; rota: { kind: string; layer?: string; override?: string }; likelyBecause: string[] }[];
  }[];
  verified: boolean;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      from: { type: "string" },
      oncalls: { type: "string" },
      apply: { type: "boolean", default: false },
      "create-people": { type: "boolean", default: false },
      mapping: { type: "string" },
      team: { type: "string" },
      window: { type: "string" },
      "schedule-name": { type: "string" },
      "time-zone": { type: "string" },
      json: { type: "boolean", default: false },
      url: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const system = values.from;
  if (!system || !["pagerduty", "opsgenie", "grafana", "ical"].includes(system) || positionals.length !== 1) fail(USAGE);
  const token = process.env.ROTA_TOKEN;
  if (!token) fail("Set ROTA_TOKEN to an admin's API token");
  const url = (values.url ?? process.env.ROTA_URL ?? "http://localhost:3000").replace(/\/+$/, "");

  const body: Record<string, unknown> = {
    from: system,
    // Sent as text: the server reads the JSON and names the place of anything wrong in it.
    export: await readFile(positionals[0]!, "utf8"),
    apply: values.apply,
    createPeople: values["create-people"],
  };
  if (values.oncalls) body.oncalls = await readFile(values.oncalls, "utf8");
  if (values.mapping) body.mapping = JSON.parse(await readFile(values.mapping, "utf8")) as unknown;
  if (values.team) body.teamId = values.team;
  if (values.window) {
    const [from, to] = values.window.split("/");
    if (!from || !to) fail("--window is FROM/TO, e.g. 2027-03-01T00:00:00Z/2027-04-01T00:00:00Z");
    body.window = { from, to };
  }
  if (values["schedule-name"]) body.scheduleName = values["schedule-name"];
  if (values["time-zone"]) body.timeZone = values["time-zone"];

  const response = await fetch(`${url}/v1/imports`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  }).catch((error: Error) => fail(`Cannot reach Rota at ${url}: ${error.message}`));
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const errors = Array.isArray(answer.errors) ? (answer.errors as { field: string; message: string }[]) : [];
    fail(`${response.status} ${String(answer.code ?? "")}: ${String(answer.detail ?? response.statusText)}${errors.map((e) => `\n  at ${e.field}`).join("")}`);
  }
  const report = answer as unknown as Report;
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report, body.oncalls !== undefined || system === "ical"));
  const missing = report.people.some((p) => p.action === "missing");
  const replayed = body.oncalls !== undefined || system === "ical";
  return missing || (replayed && !report.verified) ? 2 : 0;
}

function describe(report: Report, replayed: boolean): string {
  const lines: string[] = [report.applied ? "Applied." : "Dry run: nothing written (add --apply to write)."];
  const count = (action: string) => report.people.filter((p) => p.action === action).length;
  lines.push(`People: ${count("match")} matched by email, ${count("create")} to create, ${count("missing")} missing.`);
  for (const p of report.people.filter((p) => p.action === "missing")) lines.push(`  missing: ${p.name} <${p.email}> (${p.ref})`);
  lines.push("Schedules:");
  for (const s of report.schedules) {
    lines.push(`  ${s.action.padEnd(9)} ${s.name} (${s.ref}): ${s.layers} layers; overrides ${s.overrides.create} new, ${s.overrides.replace} changed, ${s.overrides.unchanged} unchanged`);
  }
  if (report.findings.length > 0) {
    lines.push("Findings:");
    for (const f of report.findings) lines.push(`  ${f.kind} ${f.code} at ${f.place}: ${f.message}`);
  }
  if (!replayed) {
    lines.push("No replay: give the old system's answers with --oncalls to prove the import.");
    return `${lines.join("\n")}\n`;
  }
  lines.push("Replay:");
  for (const r of report.replay) {
    lines.push(`  ${r.verified ? "verified" : "DISAGREES"} ${r.scheduleRef}: ${r.agreeHours} h agree, ${r.disagreeHours} h disagree over ${r.window.start} – ${r.window.end}`);
    for (const d of r.disagreements.slice(0, 20)) {
      const source = d.rota.kind === "layer" ? `layer ${d.rota.layer}` : d.rota.kind === "override" ? `override ${d.rota.override}` : "a gap";
      const why = d.likelyBecause.length > 0 ? `; likely: ${d.likelyBecause.join(", ")}` : "";
      lines.push(`    ${d.start} – ${d.end}: old ${d.expected.join("+") || "nobody"}, Rota ${d.actual ?? "nobody"} (from ${source}${why})`);
    }
    if (r.disagreements.length > 20) lines.push(`    … ${r.disagreements.length - 20} more (--json lists all)`);
  }
  lines.push(report.verified ? "Verified: 0 disagreements." : "Not verified.");
  return `${lines.join("\n")}\n`;
}

process.exitCode = await main();
