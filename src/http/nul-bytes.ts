import type { FastifyRequest } from "fastify";

/*
 * PostgreSQL text cannot hold U+0000, so a NUL anywhere in a request would
 * reach the database and fail there as a 500. One hook refuses it first, for
 * the body (JSON, or the Slack form), the query string and path parameters,
 * as a 400 `validation` naming the field, like any other schema failure.
 */

const NUL = "\u0000";

/** JSON-pointer paths of every string (value or key) holding a NUL, depth first (bodies nest at most 64 deep: json-body.ts). */
function nulPaths(value: unknown, path: string, found: string[]): void {
  if (found.length >= 10) return;
  if (typeof value === "string") {
    if (value.includes(NUL)) found.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => nulPaths(item, `${path}/${i}`, found));
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes(NUL)) found.push(`${path}/${key.replaceAll(NUL, "\\u0000")}`);
      else nulPaths(item, `${path}/${key}`, found);
    }
  }
}

function isForm(request: FastifyRequest): boolean {
  return String(request.headers["content-type"] ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
}

export async function rejectNulBytes(request: FastifyRequest): Promise<void> {
  const parts: [context: "params" | "querystring" | "body", value: unknown][] = [
    ["params", request.params],
    ["querystring", request.query],
    // Slack's form stays text until its signature is checked: look inside its fields.
    ["body", typeof request.body === "string" && isForm(request) ? Object.fromEntries(new URLSearchParams(request.body)) : request.body],
  ];
  for (const [context, value] of parts) {
    const found: string[] = [];
    nulPaths(value, "", found);
    if (found.length === 0) continue;
    const validation = found.map((instancePath) => ({ instancePath, keyword: "nul", message: "must not contain a NUL character (U+0000)" }));
    throw Object.assign(new Error(`${context} contains a NUL character`), { statusCode: 400, validation, validationContext: context });
  }
}
