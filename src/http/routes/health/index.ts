import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { checkHealth } from "../../../services/health.ts";
import { problem, sendProblem } from "../../plugins/errors.ts";
import { errorResponses } from "../../schemas.ts";

/** `GET /healthz`: the process is up and the database answers. No token (load balancers call it). */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/healthz",
    {
      schema: {
        tags: ["meta"],
        summary: "Liveness and database reachability",
        security: [],
        response: { 200: Type.Object({ status: Type.Literal("ok") }), ...errorResponses(503) },
      },
    },
    async (request, reply) => {
      try {
        await checkHealth(app.db);
        return { status: "ok" as const };
      } catch (err) {
        request.log.error({ err }, "database unreachable");
        return sendProblem(reply, problem("unavailable", 503, "The database is unreachable"));
      }
    },
  );
};
