// Layers of src/ (see /work/shared/STYLE.md "Layout"): http → services → domain, services → db.
// `npm run lint:layers` (and .ci/run) fails on any import that breaks these rules.
//
// src/app.ts and src/server.ts are the composition roots: they wire db, services and http
// together, so they may import every layer (src/worker.ts, the `npm run worker` entry, is one too).
// Nothing may import them back (no-circular catches that). Routes are one service call
// each: they import services and http helpers, never db.
//
// src/calendar (iCal text) is like src/slack: pure formatting under services.
//
// src/imports reads other systems' exports (PagerDuty, Opsgenie, Grafana OnCall, iCal) into plain
// layers and overrides and replays their answers against the domain engine: pure, like src/slack;
// services/imports.ts writes what they produce.
//
// src/slack is pure parsing, signature checking and message formatting (luxon and node:crypto
// only), used by services/slack.ts: it sits beside domain, under services, and may import domain.

/** Frameworks and drivers the pure layers must not touch. */
const FRAMEWORKS = "^node_modules/(fastify|fastify-plugin|@fastify/[^/]+|drizzle-orm|drizzle-kit|pg|pg-[^/]+|@electric-sql/pglite|typebox)(/|$)";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "src/domain is pure: it imports only domain and plain libraries (luxon, rrule), never db, http, services, slack or a framework.",
      severity: "error",
      from: { path: "^src/domain/" },
      to: { path: ["^src/(db|http|services|slack|calendar|jobs)/", "^src/(app|server|config)\\.ts$", FRAMEWORKS] },
    },
    {
      name: "slack-is-pure",
      comment: "src/slack parses and formats; services/slack.ts does the work. It may import domain, nothing above it.",
      severity: "error",
      from: { path: "^src/slack/" },
      to: { path: ["^src/(db|http|services)/", "^src/(app|server|config)\\.ts$", FRAMEWORKS] },
    },
    {
      name: "imports-are-pure",
      comment: "src/imports parses exports and replays them on the domain engine; services/imports.ts resolves people and writes. It may import domain, nothing above it.",
      severity: "error",
      from: { path: "^src/imports/" },
      to: { path: ["^src/(db|http|services|slack|calendar|jobs)/", "^src/(app|server|config)\\.ts$", FRAMEWORKS] },
    },
    {
      name: "calendar-is-formatting",
      comment: "src/calendar turns events into iCalendar text (ical-generator); services/feeds.ts loads and decides. It may import domain, nothing above it.",
      severity: "error",
      from: { path: "^src/calendar/" },
      to: { path: ["^src/(db|http|services|slack)/", "^src/(app|server|config)\\.ts$", FRAMEWORKS] },
    },
    {
      name: "db-below-services",
      comment: "src/db (schema, client, repositories, errors) knows nothing of services or http.",
      severity: "error",
      from: { path: "^src/db/" },
      to: { path: ["^src/(http|services|slack|jobs)/", "^src/(app|server)\\.ts$"] },
    },
    {
      name: "services-below-http",
      comment: "Use cases do not know they are called over HTTP: no import from src/http (or the app that composes it).",
      severity: "error",
      from: { path: "^src/services/" },
      to: { path: ["^src/http/", "^src/(app|server)\\.ts$"] },
    },
    {
      name: "jobs-below-http",
      comment: "src/jobs (the pg-boss queue and its handlers) runs services and db; it knows nothing of http or the app that composes it.",
      severity: "error",
      from: { path: "^src/jobs/" },
      to: { path: ["^src/http/", "^src/(app|server)\\.ts$"] },
    },
    {
      name: "routes-call-services",
      comment: "A route handler is one service call on request.ctx: routes never reach the database themselves.",
      severity: "error",
      from: { path: "^src/http/routes/" },
      to: { path: ["^src/db/", "^node_modules/(drizzle-orm|pg|@electric-sql/pglite)(/|$)"] },
    },
    {
      name: "no-circular",
      comment: "No import cycles in src.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that does not resolve would hide a dependency from the rules above.",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports count too: a layer that needs another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
