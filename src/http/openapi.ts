import type { SwaggerOptions } from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import { problemResponses } from "./schemas.ts";

type Json = Record<string, any>;

/**
 * What every operation would otherwise repeat, shared once in components:
 * each standard error response (`errorResponses` in src/http/schemas.ts) is
 * components.responses.<name>; a parameter used by three or more operations
 * (`id`, `limit`, `cursor`, the window's `from` and `to`…) is
 * components.parameters.<Name>, in its most common form (the others stay
 * inline). components.schemas is sorted by name.
 */
export function shareComponents(doc: Json): Json {
  const operations = Object.values<Json>(doc.paths ?? {}).flatMap((item) => Object.values<Json>(item));

  const responses: Json = {};
  for (const operation of operations) {
    for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
      const standard = problemResponses[Number(status)];
      if (!standard) continue;
      const expected = { description: standard.description, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } };
      if (JSON.stringify(response) !== JSON.stringify(expected)) continue;
      responses[standard.name] = expected;
      operation.responses[status] = { $ref: `#/components/responses/${standard.name}` };
    }
  }

  const uses = new Map<string, { parameter: Json; count: number }>();
  for (const operation of operations) {
    for (const parameter of operation.parameters ?? []) {
      const key = JSON.stringify(parameter);
      uses.set(key, { parameter, count: (uses.get(key)?.count ?? 0) + 1 });
    }
  }
  const parameters: Json = {};
  const sharedAs = new Map<string, string>();
  for (const [key, { parameter, count }] of [...uses].sort(([, a], [, b]) => b.count - a.count)) {
    const name = String(parameter.name).replace(/^./, (c) => c.toUpperCase());
    if (count < 3 || name in parameters) continue;
    parameters[name] = parameter;
    sharedAs.set(key, name);
  }
  for (const operation of operations) {
    if (!operation.parameters) continue;
    operation.parameters = operation.parameters.map((parameter: Json) => {
      const name = sharedAs.get(JSON.stringify(parameter));
      return name ? { $ref: `#/components/parameters/${name}` } : parameter;
    });
  }

  return {
    ...doc,
    components: { ...doc.components, schemas: sorted(doc.components?.schemas ?? {}), parameters: sorted(parameters), responses: sorted(responses) },
  };
}

function sorted(entries: Json): Json {
  return Object.fromEntries(Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function openApiOptions(publicUrl: string | undefined): SwaggerOptions {
  return {
    // A named schema (src/http/schemas.ts `named`) is components.schemas.<its $id>, not `def-0`.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`) },
    transformObject: (document) => shareComponents("openapiObject" in document ? document.openapiObject : document.swaggerObject),
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Rota API",
        version: "0.1.0",
        description:
          "Shift and rota scheduling with calendar sync. All instants are ISO 8601 UTC (`Z`); intervals are half-open [start, end). Errors are RFC 9457 `application/problem+json`. Lists are cursor-paginated (`limit`, `cursor` → `nextCursor`).",
      },
      // The document is checked in: a server URL from one deployment must not leak into it.
      servers: [{ url: publicUrl ?? "/", description: "This server" }],
      components: {
        securitySchemes: {
          bearerAuth: { type: "http", scheme: "bearer", description: "An API token: `Authorization: Bearer rota_…`" },
        },
      },
      security: [{ bearerAuth: [] }],
      tags: [
        { name: "people", description: "The company directory" },
        { name: "teams", description: "Teams, their shift rules and members" },
        { name: "shifts", description: "Shifts and recurring shift patterns" },
        { name: "coverage", description: "Support hours, staffing requirements, coverage gaps and hours" },
        { name: "duty", description: "Company-wide duty programs (monthly chat duty): slots, bookings, auto-assign" },
        { name: "on-call", description: "Schedules, rotation layers, overrides, who is on call, Slack" },
        { name: "time off and swaps", description: "Time off requests and approvals, swaps of shifts, duty slots and on-call windows" },
        { name: "tokens", description: "Personal API tokens" },
        { name: "imports", description: "Moving in from PagerDuty, Opsgenie, Grafana OnCall or an iCal rota, with a replay proof" },
        { name: "audit", description: "Who changed what, when" },
        { name: "meta", description: "Health" },
      ],
    },
  };
}

/** The OpenAPI document the routes describe (scripts/openapi.ts writes it to openapi.yaml). */
export async function openApiDocument(app: FastifyInstance): Promise<Record<string, unknown>> {
  await app.ready();
  return app.swagger() as unknown as Record<string, unknown>;
}
