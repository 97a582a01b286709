import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import openapiTS, { astToString } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

// A client generated from openapi.yaml with a real generator must type-check
// against the named schemas, and a client that misreads them must not.
const run = promisify(execFile);
const spec = new URL("../openapi.yaml", import.meta.url);
const tsc = fileURLToPath(new URL("../node_modules/.bin/tsc", import.meta.url));

/** The resources every client needs by name (components.schemas). */
const RESOURCES = [
  "Problem",
  "Person",
  "Me",
  "Team",
  "TeamMember",
  "ApiToken",
  "NewApiToken",
  "SupportHours",
  "StaffingRequirement",
  "Coverage",
  "Shift",
  "ShiftPattern",
  "DutyProgram",
  "DutySlot",
  "DutyBooking",
  "Schedule",
  "ScheduleLayer",
  "Override",
  "TimeOff",
  "Assignment",
  "Swap",
  "AuditEntry",
  "SlackWorkspace",
  "OnCall",
  "PersonPage",
  "ShiftPage",
];

const tsconfig = {
  compilerOptions: {
    strict: true,
    noEmit: true,
    target: "es2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    lib: ["es2022", "dom"],
    types: [],
    skipLibCheck: false,
  },
  include: ["*.ts"],
};

/** A small client: lists shifts, reads a Problem's fields, formats a person. */
const goodClient = `
import type { components, paths } from "./api.js";

type Shift = components["schemas"]["Shift"];
type Person = components["schemas"]["Person"];
type Problem = components["schemas"]["Problem"];
type ShiftList = paths["/v1/shifts"]["get"]["responses"][200]["content"]["application/json"];
type PersonNotFound = paths["/v1/people/{id}"]["get"]["responses"][404]["content"]["application/problem+json"];

export async function listShifts(baseUrl: string, token: string): Promise<Shift[]> {
  const response = await fetch(\`\${baseUrl}/v1/shifts\`, { headers: { authorization: \`Bearer \${token}\` } });
  const page = (await response.json()) as ShiftList;
  const next: string | null = page.nextCursor;
  void next;
  return page.items;
}

export function hours(shift: Shift): number {
  return (Date.parse(shift.end) - Date.parse(shift.start)) / 3_600_000;
}

export function invalidFields(problem: Problem | PersonNotFound): string[] {
  return (problem.errors ?? []).map((error) => error.field);
}

export function label(person: Person): string {
  const role: "admin" | "lead" | "member" = person.role;
  return \`\${person.name} <\${person.email}> (\${role}, v\${person.version})\`;
}
`;

/** The same client, misreading the schemas twice. */
const wrongClient = `
import type { components } from "./api.js";

type Shift = components["schemas"]["Shift"];
type Person = components["schemas"]["Person"];

export function startOf(shift: Shift): string {
  return shift.startsAt;
}

export function renumber(person: Person): Person {
  return { ...person, email: 42 };
}
`;

let dir: string;
let generated: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rota-openapi-client-"));
  generated = astToString(await openapiTS(spec, { silent: true }));
  await writeFile(join(dir, "api.d.ts"), generated);
  await writeFile(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** `tsc -p` on the temporary project holding api.d.ts and `client`: its exit status and diagnostics. */
async function typeCheck(client: string): Promise<{ ok: boolean; output: string }> {
  await writeFile(join(dir, "client.ts"), client);
  try {
    await run(process.execPath, [tsc, "-p", dir], { cwd: dir });
    return { ok: true, output: "" };
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout}${stderr}` };
  }
}

describe("a client generated from openapi.yaml (openapi-typescript)", () => {
  it("names every resource and the problem in components.schemas, and every $ref points to a component", async () => {
    const document = parse(await readFile(spec, "utf8"));
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(RESOURCES));
    const refs = new Set<string>();
    JSON.stringify(document, (key, value) => {
      if (key === "$ref") refs.add(value as string);
      return value;
    });
    expect(refs.size).toBeGreaterThan(20);
    for (const ref of refs) {
      const target = ref
        .replace(/^#\//, "")
        .split("/")
        .reduce<Record<string, unknown> | undefined>((node, part) => node?.[part] as Record<string, unknown> | undefined, document);
      expect(target, ref).toBeDefined();
    }
    for (const name of RESOURCES) expect(generated).toContain(`    ${name}: {`);
  });

  it("type-checks a small client that uses Person, Shift, Problem and GET /v1/shifts", async () => {
    const result = await typeCheck(goodClient);
    expect(result.output).toBe("");
    expect(result.ok).toBe(true);
  }, 60_000);

  it("rejects a client that reads a field Shift does not have or gives Person's email a number", async () => {
    const result = await typeCheck(wrongClient);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/client\.ts\(\d+,\d+\): error TS2339: Property 'startsAt' does not exist/);
    expect(result.output).toMatch(/client\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
  }, 60_000);
});
