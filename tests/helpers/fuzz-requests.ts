import fc from "fast-check";
import type { JsonSchema, Operation, OperationParameter } from "./fuzz-operations.ts";
import { coherent, edgeValue, encodeJson, encodeUrlValue, hostileValue, mutated, pathParamKind, plausibleValue, RawBytes, RawUrl, realId } from "./fuzz-values.ts";
import { slackSignature, type World } from "./fuzz-world.ts";

export type Caller = "admin" | "lead" | "member" | "anonymous";

/** One generated request, printed compactly when fast-check reports a counterexample. */
export interface FuzzRequest {
  operation: string;
  caller: Caller;
  /** What was broken: `body: set start`, `query: from`, `path: id`, `content-type`… */
  strategy: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: Buffer;
}

/** One line, long parts cut: `admin POST /v1/shifts [body: set start] headers={…} body="…"` (bytes shown as latin-1). */
export function describeRequest(request: FuzzRequest): string {
  const short = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…(${text.length} chars)` : text);
  const body = request.payload === undefined ? "" : ` body=${JSON.stringify(short(request.payload.toString("latin1")))}`;
  return `${request.caller} ${request.method} ${short(request.url)} [${request.strategy}] headers=${short(JSON.stringify(request.headers))}${body}`;
}

function withToString(request: FuzzRequest): FuzzRequest {
  return Object.defineProperty(request, fc.toStringMethod, { value: () => describeRequest(request), enumerable: false });
}

const contentTypes = [
  "text/plain",
  "application/xml",
  "multipart/form-data; boundary=fuzz",
  "application/x-www-form-urlencoded",
  "application/json; charset=utf-16",
  "application/json; charset=utf-16le",
  "application/json; charset=latin1",
  "application/json; charset=iso-8859-1",
  'application/json; charset="utf-8"',
  "application/json;charset=UTF-8",
  "Application/JSON",
  "application/json, text/plain",
  "application/problem+json",
  "application/merge-patch+json",
  "application/vnd.api+json",
  "*/*",
  "application/json; boundary=foo",
  "application/jsonx",
  "json",
];

const badAuthorizations = [
  "Bearer",
  "Bearer ",
  "Bearer rota_",
  `Bearer rota_${"x".repeat(5_000)}`,
  "Bearer rota_test_admin_token_0123456789abcdeF",
  "bearer rota_test_admin_token_0123456789abcdef",
  "Bearer  rota_test_admin_token_0123456789abcdef",
  "Bearer rota_test_admin_token_0123456789abcdef extra",
  "Basic YWRtaW46YWRtaW4=",
  "Bearer %00",
  "Bearer ' OR 1=1 --",
  "Bearer rota_ключ",
  "Token rota_test_admin_token_0123456789abcdef",
];
const ifMatchValues = ['"v1"', '"v2"', '"v999999"', '"v-1"', '"v1e308"', "*", 'W/"v1"', '"v1", "v2"', "garbage", '""', `"v${"9".repeat(400)}"`];
const idempotencyKeys = ["fuzz-key-1", "fuzz-key-2", "has space", "x".repeat(300), "ключ", "", "\t"];

const pathHostile: unknown[] = [
  new RawUrl("%00"),
  new RawUrl("%2F"),
  new RawUrl("a%2Fb"),
  new RawUrl("..%2F..%2Fhealthz"),
  new RawUrl("%zz"),
  new RawUrl("%"),
  new RawUrl("%C0%AF"),
  new RawUrl("%E2%80%8B"),
  new RawUrl("%FF%FE"),
  new RawUrl(".."),
  new RawUrl("x".repeat(101)),
  new RawUrl("x".repeat(5_000)),
  new RawUrl("00000000-0000-0000-0000-000000000000"),
  new RawUrl("%20"),
  new RawBytes([0xff]),
];

/** A query string from the chosen values, optionally with a repeated or unknown key. */
function queryString(values: [string, unknown][]): string {
  const parts = values.flatMap(([k, v]) => (Array.isArray(v) && k !== "__raw" ? v.map((item) => `${encodeUrlValue(k)}=${encodeUrlValue(item)}`) : [`${encodeUrlValue(k)}=${encodeUrlValue(v)}`]));
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

function plausibleParams(params: OperationParameter[], op: Operation, world: World): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of params) {
    const kind = p.in === "path" ? pathParamKind(op.path, p.name) : undefined;
    model[p.name] = p.in === "path" && kind ? realId(world, kind, op.method) : plausibleValue(p.schema, p.name, world);
  }
  const required = params.filter((p) => p.required || p.in === "path").map((p) => p.name);
  return fc.record(model, { requiredKeys: required }).map(coherent);
}

interface Parts {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  extraQuery: [string, unknown][];
  body: { kind: "none" } | { kind: "json"; value: unknown } | { kind: "raw"; bytes: Buffer };
  headers: Record<string, string>;
  strategy: string;
  method: string;
}

/** A request to this operation with something broken: one field of the path, query, body or headers, or everything at once. */
function hostileParts(op: Operation, world: World): fc.Arbitrary<Parts> {
  const pathParams = op.parameters.filter((p) => p.in === "path");
  const queryParams = op.parameters.filter((p) => p.in === "query");
  const jsonBody = op.body?.contentType === "application/json" ? op.body : undefined;

  const valid = fc.record({
    path: plausibleParams(pathParams, op, world),
    query: plausibleParams(queryParams, op, world),
    body: jsonBody ? plausibleValue(jsonBody.schema, "body", world) : fc.constant(undefined),
  });

  return valid.chain(({ path, query, body }) => {
    const base: Parts = {
      path,
      query,
      extraQuery: [],
      body: jsonBody ? { kind: "json", value: body } : { kind: "none" },
      headers: {},
      strategy: "",
      method: op.method,
    };
    const options: { weight: number; arbitrary: fc.Arbitrary<Parts> }[] = [];

    if (jsonBody) {
      // A valid body with one field broken: these get past the schema into the services.
      options.push({ weight: 80, arbitrary: mutated(body, jsonBody.schema, world).map(({ value, mutation }) => ({ ...base, body: { kind: "json", value }, strategy: `body: ${mutation}` })) });
      options.push({
        weight: 30,
        arbitrary: rawBodies(body, jsonBody.schema, world).map(({ bytes, label }) => ({ ...base, body: { kind: "raw", bytes }, strategy: `body: ${label}` })),
      });
      options.push({ weight: 5, arbitrary: hostileValue(jsonBody.schema, "body", world).map((value) => ({ ...base, body: { kind: "json", value }, strategy: "body: replaced" })) });
      options.push({ weight: 10, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ ...base, body: { kind: "json", value }, strategy: "body: random json" })) });
      options.push({ weight: 10, arbitrary: fc.constant({ ...base, body: { kind: "none" } as const, strategy: "body: missing" }) });
    } else if (op.body === undefined) {
      options.push({ weight: 5, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => ({ ...base, body: { kind: "json", value }, strategy: "body: unexpected" })) });
    }
    for (const p of queryParams) {
      options.push({
        weight: Math.max(5, Math.round(60 / queryParams.length)),
        arbitrary: fc.oneof(
          { weight: 4, arbitrary: hostileValue(p.schema, p.name, world).map((bad) => ({ ...base, query: { ...query, [p.name]: bad }, strategy: `query: ${p.name}` })) },
          { weight: 3, arbitrary: edgeValue(p.schema, p.name, world).map((edge) => ({ ...base, query: { ...query, [p.name]: edge }, strategy: `query: edge ${p.name}` })) },
          { weight: 1, arbitrary: fc.constant({ ...base, query: Object.fromEntries(Object.entries(query).filter(([k]) => k !== p.name)), strategy: `query: without ${p.name}` }) },
          { weight: 1, arbitrary: plausibleValue(p.schema, p.name, world).map((second) => ({ ...base, extraQuery: [[p.name, second]] as [string, unknown][], strategy: `query: ${p.name} twice` })) },
        ),
      });
    }
    if (queryParams.length > 0 || op.method === "GET") {
      options.push({
        weight: 10,
        arbitrary: fc
          .constantFrom<[string, unknown]>(["unknown", "1"], ["__proto__", "x"], ["limit", "0"], ["q", new RawUrl("%00")], ["x", new RawUrl("%zz")], ["a[b]", "c"], ["from", new RawUrl("%E0%A4%A")])
          .map((extra) => ({ ...base, extraQuery: [extra], strategy: `query: extra ${extra[0]}` })),
      });
    }
    for (const p of pathParams) {
      options.push({
        weight: Math.max(10, Math.round(30 / pathParams.length)),
        arbitrary: fc.oneof(fc.constantFrom(...pathHostile), hostileValue(p.schema, p.name, world)).map((bad) => ({ ...base, path: { ...path, [p.name]: bad }, strategy: `path: ${p.name}` })),
      });
    }
    options.push({
      weight: 20,
      arbitrary: fc
        .record(
          {
            "content-type": fc.constantFrom(...contentTypes),
            "if-match": fc.constantFrom(...ifMatchValues),
            "idempotency-key": fc.constantFrom(...idempotencyKeys),
            accept: fc.constantFrom("application/xml", "*/*", "text/html", "application/json;q=0"),
          },
          { requiredKeys: [] },
        )
        .filter((h) => Object.keys(h).length > 0)
        .map((headers) => ({ ...base, headers, strategy: `headers: ${Object.keys(headers).join(",")}` })),
    });
    // Wholly random: every parameter hostile at once, any JSON or none as the body, any content type.
    const everyParam = (params: OperationParameter[]) =>
      fc.record(Object.fromEntries(params.map((p) => [p.name, fc.oneof(hostileValue(p.schema, p.name, world), fc.constantFrom(...pathHostile))])), { requiredKeys: [] });
    options.push({
      weight: 10,
      arbitrary: fc
        .record({
          path: everyParam(pathParams),
          query: everyParam(queryParams),
          body: fc.option(fc.jsonValue({ maxDepth: 4 }), { nil: undefined }),
          contentType: fc.option(fc.constantFrom(...contentTypes), { nil: undefined }),
        })
        .map(({ path: badPath, query: badQuery, body: anyBody, contentType }): Parts => ({
          ...base,
          path: { ...path, ...badPath },
          query: badQuery,
          body: anyBody === undefined ? { kind: "none" } : { kind: "json", value: anyBody },
          headers: contentType ? { "content-type": contentType } : {},
          strategy: "random",
        })),
    });
    // A broken token in place of the caller's.
    options.push({ weight: 4, arbitrary: fc.constantFrom(...badAuthorizations).map((authorization) => ({ ...base, headers: { authorization }, strategy: "headers: authorization" })) });
    options.push({ weight: 3, arbitrary: fc.constantFrom("PUT", "PATCH", "DELETE", "OPTIONS").filter((m) => m !== op.method).map((method) => ({ ...base, method, strategy: `method: ${method}` })) });
    return fc.oneof(...options);
  });
}

/** Bodies no JSON encoder would write: invalid UTF-8, duplicate keys, deep nesting, other charsets, truncation. */
function rawBodies(body: unknown, schema: JsonSchema, world: World): fc.Arbitrary<{ bytes: Buffer; label: string }> {
  const text = encodeJson(body).toString("utf8");
  const keys = body !== null && typeof body === "object" && !Array.isArray(body) ? Object.keys(body) : [];
  const stringKeys = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).filter(([, s]) => s.type === "string" || s.anyOf).map(([k]) => k);
  const options: fc.Arbitrary<{ bytes: Buffer; label: string }>[] = [
    fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x00], [0xfe, 0xff]).chain((bytes) =>
      fc.constantFrom(...(stringKeys.length > 0 ? stringKeys : ["name"])).map((key) => ({
        bytes: encodeJson({ ...(typeof body === "object" && body !== null ? body : {}), [key]: new RawBytes([0x61, ...bytes, 0x62]) }),
        label: `invalid utf-8 in ${key}`,
      })),
    ),
    fc.constant({ bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), label: "utf-8 BOM" }),
    fc.constant({ bytes: Buffer.from(text, "utf16le"), label: "utf-16 bytes" }),
    fc.constant({ bytes: Buffer.from(text, "latin1"), label: "latin-1 bytes" }),
    fc.integer({ min: 0, max: Math.max(text.length - 1, 0) }).map((n) => ({ bytes: Buffer.from(text.slice(0, n)), label: `truncated at ${n}` })),
    fc.constantFrom("", " ", "null", "[]", "0", '"x"', "{}", "{,}", "{'a':1}", '{"a":1,}', "/* */{}", "\u0000", "NaN").map((t) => ({ bytes: Buffer.from(t), label: `literal ${JSON.stringify(t)}` })),
    fc.constantFrom(10_000, 30_000, 63, 64, 65).map((n) => ({ bytes: Buffer.from("[".repeat(n) + "]".repeat(n)), label: `nesting ${n}` })),
    fc.constant({ bytes: Buffer.from(`${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`), label: "object nesting 10000" }),
    fc.constant({ bytes: Buffer.from(`{"a":"${"x".repeat(70 * 1024)}"}`), label: "over the body limit" }),
  ];
  if (keys.length > 0) {
    options.push(
      fc.constantFrom(...keys).chain((key) =>
        hostileValue({}, key, world).map((bad) => ({
          bytes: Buffer.concat([Buffer.from(`{${JSON.stringify(key)}:`), encodeJson(bad), Buffer.from(`,${text.slice(1)}`)]),
          label: `duplicate key ${key}`,
        })),
      ),
    );
  }
  return fc.oneof(...options);
}

/** Slack's form: mostly correctly signed (so the text reaches the command parser), sometimes not. */
function slackRequest(op: Operation, world: World): fc.Arbitrary<FuzzRequest> {
  const text = fc.oneof(
    fc.constantFrom("", "help", "next", "Fuzzed on-call", "next Fuzzed on-call", "fuzzed support", "\u0000", "next \u0000", "x".repeat(5_000), "%00", "😀", "next next next", "  ", "Fuzzed\u0000"),
    fc.string({ maxLength: 40 }),
  );
  return fc
    .record({
      text,
      teamId: fc.oneof({ weight: 6, arbitrary: fc.constant(world.slack.teamId) }, { weight: 1, arbitrary: fc.constantFrom("T0FUZZ\u0000", "", "T".repeat(300), "t0fuzz") }),
      command: fc.oneof({ weight: 6, arbitrary: fc.constant("/oncall") }, { weight: 1, arbitrary: fc.constantFrom("/other", "", "/oncall\u0000", "/ONCALL") }),
      userId: fc.oneof({ weight: 6, arbitrary: fc.constant("U123") }, { weight: 1, arbitrary: fc.constantFrom("", "\u0000", "U".repeat(5_000)) }),
      raw: fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            Buffer.from("text=%zz&team_id=T0FUZZ"),
            Buffer.from([0x74, 0x65, 0x78, 0x74, 0x3d, 0xff, 0xfe, 0x26, 0x74, 0x65, 0x61, 0x6d, 0x5f, 0x69, 0x64, 0x3d, 0x54, 0x30, 0x46, 0x55, 0x5a, 0x5a]),
            Buffer.from("team_id=T0FUZZ&team_id=T2&text=a"),
            Buffer.from("team_id=T0FUZZ&text=%00"),
            Buffer.from("team_id=T0FUZZ&text=" + "%41".repeat(10_000)),
            Buffer.from(""),
          ),
        },
      ),
      signing: fc.oneof({ weight: 6, arbitrary: fc.constant("good") }, { weight: 1, arbitrary: fc.constantFrom("bad", "stale", "missing", "future") }),
      contentType: fc.oneof(
        { weight: 6, arbitrary: fc.constant("application/x-www-form-urlencoded") },
        { weight: 1, arbitrary: fc.constantFrom("application/x-www-form-urlencoded; charset=utf-16", "application/x-www-form-urlencoded; charset=utf-8", "application/json", "text/plain") },
      ),
    })
    .map(({ text: t, teamId, command, userId, raw, signing, contentType }) => {
      const payload = raw ?? Buffer.from(new URLSearchParams({ token: "x", team_id: teamId, channel_id: "C1", user_id: userId, command, text: t, response_url: "https://hooks.slack.com/x" }).toString());
      const now = Math.floor(Date.now() / 1000);
      const timestamp = signing === "stale" ? now - 3600 : signing === "future" ? now + 3600 : now;
      const headers: Record<string, string> = { "content-type": contentType };
      if (signing !== "missing") {
        headers["x-slack-request-timestamp"] = String(timestamp);
        headers["x-slack-signature"] = signing === "bad" ? "v0=deadbeef" : slackSignature(world.slack.secret, timestamp, payload);
      }
      return withToString({ operation: op.name, caller: "anonymous", strategy: `slack: ${signing}${raw ? " raw" : ""}`, method: op.method, url: op.path, headers, payload });
    });
}

/** A hostile request to this operation, as admin (deepest reach), the team's lead, a member, or nobody. */
export function fuzzRequest(op: Operation, world: World): fc.Arbitrary<FuzzRequest> {
  if (op.body && op.body.contentType !== "application/json") return slackRequest(op, world);
  const caller: fc.Arbitrary<Caller> = op.anonymous
    ? fc.constant("anonymous")
    : fc.oneof(
        { weight: 12, arbitrary: fc.constant("admin" as const) },
        { weight: 4, arbitrary: fc.constant("lead" as const) },
        { weight: 4, arbitrary: fc.constant("member" as const) },
        { weight: 1, arbitrary: fc.constant("anonymous" as const) },
      );
  return fc.tuple(caller, hostileParts(op, world)).map(([who, parts]) => {
    let url = op.path;
    for (const [name, value] of Object.entries(parts.path)) url = url.replace(`{${name}}`, encodeUrlValue(value));
    url += queryString([...Object.entries(parts.query), ...parts.extraQuery]);
    const headers: Record<string, string> = {};
    let payload: Buffer | undefined;
    if (parts.body.kind === "json" && parts.body.value !== undefined) payload = encodeJson(parts.body.value);
    if (parts.body.kind === "raw") payload = parts.body.bytes;
    if (payload !== undefined) headers["content-type"] = "application/json";
    Object.assign(headers, parts.headers);
    return withToString({ operation: op.name, caller: who, strategy: parts.strategy, method: parts.method, url, headers, ...(payload !== undefined ? { payload } : {}) });
  });
}

/** Every operation equally often. */
export function anyFuzzRequest(operations: Operation[], world: World): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...operations.map((op) => fuzzRequest(op, world)));
}
