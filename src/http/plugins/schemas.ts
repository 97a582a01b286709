import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { sharedSchemas } from "../schemas.ts";

/**
 * The named schemas (`named` in src/http/schemas.ts), added once on the root
 * instance: fast-json-stringify resolves the routes' `$ref`s against them and
 * @fastify/swagger lists them in components.schemas. Our Ajv validator
 * compiler reads them from `getSchemas()` (src/http/validation.ts), since
 * Fastify hands a custom compiler only the route's own schema.
 */
export const schemasPlugin = fp(
  async (app: FastifyInstance) => {
    for (const schema of sharedSchemas()) app.addSchema(schema);
  },
  { name: "schemas" },
);
