import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, charsetOf, jsonStructureProblem } from "./json-body.ts";

const firstDuplicateKey = (json: string) => {
  const problem = jsonStructureProblem(json);
  return problem?.kind === "duplicate_key" ? problem.path : undefined;
};

describe("jsonStructureProblem", () => {
  it("finds nothing in any JSON.stringify output (keys there are unique)", () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => firstDuplicateKey(JSON.stringify(value)) === undefined), { numRuns: 500 });
  });

  it("finds a key repeated in any object, at its dotted path", () => {
    const key = fc.string({ maxLength: 6 }).filter((k) => !k.includes("."));
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 3 }), key, fc.jsonValue({ maxDepth: 2 }), (path, dup, value) => {
        const inner = `{${JSON.stringify(dup)}:${JSON.stringify(value)},"\\u0020":[1,"}"],${JSON.stringify(dup)}:null}`;
        const json = path.reduceRight((acc, k) => `{"other":"{",${JSON.stringify(k)}:${acc}}`, inner);
        return firstDuplicateKey(json) === [...path, dup].join(".");
      }),
      { numRuns: 500 },
    );
  });

  it("names array positions and tells escaped spellings of one key apart from other keys", () => {
    expect(firstDuplicateKey('{"a":[{"x":1},{"x":1,"x":2}]}')).toBe("a.1.x");
    expect(firstDuplicateKey('{"title":"x","\\u0074itle":"y"}')).toBe("title");
    expect(firstDuplicateKey('{"a":"\\"a\\":","b":{"a":1}}')).toBeUndefined();
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH}, counting only structure outside strings`, () => {
    const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    expect(jsonStructureProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonStructureProblem(nested(MAX_JSON_DEPTH + 1))).toEqual({ kind: "too_deep" });
    expect(jsonStructureProblem(`{"a":${JSON.stringify("[".repeat(1000))}}`)).toBeUndefined();
  });
});

describe("charsetOf", () => {
  it("reads the charset parameter, case- and quote-insensitively", () => {
    expect(charsetOf("application/json")).toBeUndefined();
    expect(charsetOf("application/json; charset=UTF-8")).toBe("utf-8");
    expect(charsetOf('application/json;CHARSET="utf-16"')).toBe("utf-16");
  });
});
