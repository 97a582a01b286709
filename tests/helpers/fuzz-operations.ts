import type { FastifyInstance } from "fastify";
import { parse } from "yaml";
import { renderOpenApiYaml } from "../../scripts/openapi.ts";

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
 * `value` with every local `$ref` (`#/components/schemas/Person`, a shared
 * parameter or response) replaced by what it points to in `document`, so
 * the fuzzer sees each schema whole, as if the document had none.
 */
export function dereference<T>(value: T, document: JsonSchema, seen: readonly string[] = []): T {
  if (Array.isArray(value)) return value.map((item) => dereference(item, document, seen)) as T;
  if (value === null || typeof value !== "object") return value;
  const { $ref, ...rest } = value as JsonSchema;
  if (typeof $ref === "string") {
    if (!$ref.startsWith("#/")) throw new Error(`Only local references are expected in openapi.yaml, not ${$ref}`);
    if (seen.includes($ref)) throw new Error(`${$ref} refers to itself: the fuzzer cannot generate its values`);
    const target = $ref
      .slice(2)
      .split("/")
      .reduce<JsonSchema | undefined>((node, key) => node?.[key.replaceAll("~1", "/").replaceAll("~0", "~")], document);
    if (target === undefined) throw new Error(`${$ref} points to nothing in openapi.yaml`);
    return dereference({ ...target, ...rest }, document, [...seen, $ref]) as T;
  }
  return Object.fromEntries(Object.entries(rest).map(([key, item]) => [key, dereference(item, document, seen)])) as T;
}

/**
 * Every operation, read from the OpenAPI document the routes render, which
 * tests/openapi.test.ts keeps byte-identical to openapi.yaml: a new route is
 * fuzzed as soon as it exists, before the checked-in file is regenerated.
 */
export async function apiOperations(app: FastifyInstance): Promise<Operation[]> {
  const document = parse(await renderOpenApiYaml(app)) as JsonSchema;
  // Shared schemas, parameters and responses are `$ref`s into components: the values are generated from what they name.
  const paths = dereference(document.paths as Record<string, Record<string, any>>, document);
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(paths)) {
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
