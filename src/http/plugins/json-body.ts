import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { DomainError } from "../../domain/errors.ts";

/*
 * The one parser for application/json bodies. On top of Fastify's own
 * (secure-json-parse: `__proto__` refused, `constructor` left alone) it
 * refuses what would otherwise be read silently wrong: a charset other than
 * UTF-8 (415), bytes that are not UTF-8 (400, instead of U+FFFD in the data),
 * a key given twice in one object (400: which one did the client mean?), and
 * nesting deeper than any of our schemas (400: every later walk of the body,
 * validation included, is then safe from stack overflows).
 */

/** Deepest nesting of objects and arrays a body may have; our deepest schema needs 5. */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The `charset` parameter of a Content-Type, lower-cased, or undefined when there is none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  for (const param of (contentType ?? "").split(";").slice(1)) {
    const eq = param.indexOf("=");
    if (eq >= 0 && param.slice(0, eq).trim().toLowerCase() === "charset") return param.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1").toLowerCase();
  }
  return undefined;
}

/** An open object or array; `path` is null for the top-level value. */
type Frame = { kind: "object"; path: string | null; keys: Set<string>; key: string | null } | { kind: "array"; path: string | null; index: number };

export type StructureProblem = { kind: "duplicate_key"; path: string } | { kind: "too_deep" };

/**
 * The first key that appears twice in one object (its dotted path), or
 * nesting deeper than MAX_JSON_DEPTH; undefined when neither. Runs on text
 * JSON.parse already accepted, so it only has to tell strings from
 * structure: a string right after `{` or `,` in an object is a key.
 */
export function jsonStructureProblem(json: string): StructureProblem | undefined {
  const stack: Frame[] = [];
  const childPath = (frame: Frame | undefined, name?: string): string | null => {
    if (!frame) return null;
    const segment = name ?? (frame.kind === "object" ? frame.key! : String(frame.index));
    return frame.path === null ? segment : `${frame.path}.${segment}`;
  };
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      let end = i + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === "\\" ? 2 : 1;
      if (top?.kind === "object" && top.key === null) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return { kind: "duplicate_key", path: childPath(top, key)! };
        top.keys.add(key);
        top.key = key;
      }
      i = end;
    } else if ((c === "{" || c === "[") && stack.length >= MAX_JSON_DEPTH) {
      return { kind: "too_deep" };
    } else if (c === "{") {
      stack.push({ kind: "object", path: childPath(top), keys: new Set(), key: null });
    } else if (c === "[") {
      stack.push({ kind: "array", path: childPath(top), index: 0 });
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === "," && top) {
      if (top.kind === "object") top.key = null;
      else top.index++;
    }
  }
  return undefined;
}

export const jsonBodyPlugin = fp(async (app: FastifyInstance) => {
  // Fastify's settings for poisoned keys (by default: refuse `__proto__`, leave `constructor`).
  const { onProtoPoisoning = "error", onConstructorPoisoning = "ignore" } = app.initialConfig;
  const secureParse = app.getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning);
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    const charset = charsetOf(request.headers["content-type"]);
    if (charset !== undefined && charset !== "utf-8") {
      done(new DomainError("unsupported_media_type", `Send JSON as UTF-8 (charset=${charset} is not accepted)`), undefined);
      return;
    }
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new DomainError("malformed_json", "The request body is not valid UTF-8"), undefined);
      return;
    }
    secureParse(request, text, (error, value) => {
      if (error) return done(error, undefined);
      const problem = jsonStructureProblem(text);
      if (problem?.kind === "duplicate_key") done(new DomainError("malformed_json", `The key ${problem.path} appears twice in one object`, { field: problem.path }), undefined);
      else if (problem?.kind === "too_deep") done(new DomainError("malformed_json", `The body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      else done(null, value);
    });
  });
});
