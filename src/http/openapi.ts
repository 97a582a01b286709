import type { SwaggerOptions } from "@fastify/swagger";
import type { FastifyInstance } from "fastify";

export function openApiOptions(publicUrl: string | undefined): SwaggerOptions {
  return {
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
        { name: "audit", description: "Who changed what, when" },
        { name: "meta", description: "Health" },
      ],
    },
  };
}

/** The OpenAPI document the routes describe, as checked in at the repository root. */
export async function renderOpenApiYaml(app: FastifyInstance): Promise<string> {
  await app.ready();
  return app.swagger({ yaml: true });
}
