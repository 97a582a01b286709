import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { listAudit } from "../../../services/audit.ts";
import { Instant, Page, PageQuery, Uuid, errorResponses, named } from "../../schemas.ts";

const AuditEntry = named(
  "AuditEntry",
  Type.Object(
    {
      id: Uuid,
      at: Instant,
      actorId: Type.Union([Uuid, Type.Null()], { description: "Who made the change; null for the system (bootstrap, jobs)" }),
      entity: Type.String({ examples: ["person", "team", "team_member", "api_token"] }),
      entityId: Type.String(),
      action: Type.String({ examples: ["create", "update", "delete", "deactivate", "revoke"] }),
      changes: Type.Record(Type.String(), Type.Unknown(), {
        description: "`{after}` on create, `{before}` on delete, `{field: {from, to}}` on update",
      }),
      requestId: Type.Union([Type.String(), Type.Null()]),
    },
    { additionalProperties: false },
  ),
);

const AuditEntryPage = Page(AuditEntry);

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/audit",
    {
      schema: {
        tags: ["audit"],
        summary: "The audit log, newest first (admin)",
        querystring: Type.Object(
          {
            ...PageQuery,
            entity: Type.Optional(Type.String({ maxLength: 50 })),
            entityId: Type.Optional(Type.String({ maxLength: 100 })),
            actorId: Type.Optional(Uuid),
            from: Type.Optional(Type.String({ format: "date-time", description: "Entries at or after this instant" })),
            to: Type.Optional(Type.String({ format: "date-time", description: "Entries before this instant" })),
          },
          { additionalProperties: false },
        ),
        response: { 200: AuditEntryPage, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, from, to, ...filter } = request.query;
      return listAudit(
        request.ctx,
        { ...filter, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined },
        { limit, cursor },
      );
    },
  );
};
