import type { FastifyInstance } from "fastify";
import { parse } from "yaml";
import { renderOpenApiYaml } from "../../src/http/openapi.ts";

export type JsonSchema = Record<string, any>;

export interface OperationParameter {
  in: "path" | "query" | "header";
  name: string;
  required: boolean;
  schema: JsonSchema;
}

/** One operation of the API as openapi.yaml describes it: what the fuzzer may vary. */
export interface Operation {
  /** `GET /v1/people/{id}`: the name used in findings and the histogram. */
  name: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  parameters: OperationParameter[];
  body?: { contentType: string; schema: JsonSchema; required: boolean };
  /** `security: []`: called without a token (Slack, health). */
  anonymous: boolean;
}

/**
 * Every operation, read from the OpenAPI document the routes render, which
 * tests/openapi.test.ts keeps byte-identical to openapi.yaml: a new route is
 * fuzzed as soon as it exists, before the checked-in file is regenerated.
 */
export async function apiOperations(app: FastifyInstance): Promise<Operation[]> {
  const doc = parse(await renderOpenApiYaml(app)) as { paths: Record<string, Record<string, any>> };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const content = op.requestBody?.content as Record<string, { schema: JsonSchema }> | undefined;
      const [contentType, media] = content ? Object.entries(content)[0]! : [];
      operations.push({
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase() as Operation["method"],
        path,
        parameters: ((op.parameters ?? []) as OperationParameter[]).map((p) => ({ in: p.in, name: p.name, required: Boolean(p.required), schema: p.schema ?? {} })),
        ...(contentType && media ? { body: { contentType, schema: media.schema ?? {}, required: Boolean(op.requestBody.required) } } : {}),
        anonymous: Array.isArray(op.security) && op.security.length === 0,
      });
    }
  }
  return operations;
}
