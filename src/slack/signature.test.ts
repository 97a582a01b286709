import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signSlackRequest, verifySlackSignature } from "./signature.ts";

const SECRET = "e4b1c9d2a7f03856b1d0c3e9f7a2b4c6";
const OTHER_SECRET = "0f9e8d7c6b5a49382716050403020100";
const SENT_AT = 1_778_490_000; // 2026-05-11T09:00:00Z, unix seconds as Slack sends them
const atSecond = (seconds: number) => new Date(seconds * 1000);

/** A slash-command body byte for byte as Slack posts it: form-encoded, this key order, `+` for spaces. */
function slashCommandBody(text: string, overrides: Record<string, string> = {}): string {
  return new URLSearchParams({
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    team_id: "T0001",
    team_domain: "elementary-community",
    channel_id: "C2147483705",
    channel_name: "support",
    user_id: "U2147483697",
    user_name: "maya",
    command: "/oncall",
    text,
    api_app_id: "A123456",
    is_enterprise_install: "false",
    response_url: "https://hooks.slack.com/commands/T0001/1234/abcd",
    trigger_id: "13345224609.738474920.8088930838d88f008e0",
    ...overrides,
  }).toString();
}

function signedRequest(text: string, timestamp = SENT_AT, secret = SECRET) {
  const rawBody = slashCommandBody(text);
  return { rawBody, timestamp: String(timestamp), signature: signSlackRequest(rawBody, timestamp, secret) };
}

describe("a genuine Slack request", () => {
  it("the body is encoded the way Slack encodes it", () => {
    const body = slashCommandBody("next Community Success/EU");
    expect(body).toContain("command=%2Foncall");
    expect(body).toContain("text=next+Community+Success%2FEU");
    expect(body).toContain("response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0001%2F1234%2Fabcd");
  });

  it("Maya types `/oncall next community` and the signed request verifies", () => {
    const request = signedRequest("next community");
    expect(verifySlackSignature({ ...request, signingSecret: SECRET, now: atSecond(SENT_AT + 2) })).toEqual({ ok: true });
  });

  it("verifies Slack's published example (docs: verifying requests from Slack)", () => {
    const rawBody =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    const check = verifySlackSignature({ rawBody, timestamp: "1531420618", signature, signingSecret: "8f742231b10e8888abcd99yyyzzz85a5", now: atSecond(1531420618) });
    expect(check).toEqual({ ok: true });
    expect(signSlackRequest(rawBody, 1531420618, "8f742231b10e8888abcd99yyyzzz85a5")).toBe(signature);
  });

  it("verifies a signature computed independently with createHmac over `v0:{ts}:{body}`", () => {
    const rawBody = slashCommandBody("Support & Billing");
    const hex = createHmac("sha256", SECRET).update(`v0:${SENT_AT}:${rawBody}`).digest("hex");
    expect(verifySlackSignature({ rawBody, timestamp: String(SENT_AT), signature: `v0=${hex}`, signingSecret: SECRET, now: atSecond(SENT_AT) })).toEqual({ ok: true });
  });

  it("accepts the raw body as a Buffer, including bytes that are not valid UTF-8", () => {
    const rawBody = Buffer.concat([Buffer.from(slashCommandBody("équipe"), "utf8"), Buffer.from([0xff, 0xfe])]);
    const hex = createHmac("sha256", SECRET).update(Buffer.concat([Buffer.from(`v0:${SENT_AT}:`), rawBody])).digest("hex");
    expect(verifySlackSignature({ rawBody, timestamp: String(SENT_AT), signature: `v0=${hex}`, signingSecret: SECRET, now: atSecond(SENT_AT) })).toEqual({ ok: true });
    expect(signSlackRequest(rawBody, SENT_AT, SECRET)).toBe(`v0=${hex}`);
  });

  it("accepts the signature's hex digits in upper case", () => {
    const request = signedRequest("");
    const signature = `v0=${request.signature.slice(3).toUpperCase()}`;
    expect(verifySlackSignature({ ...request, signature, signingSecret: SECRET, now: atSecond(SENT_AT) })).toEqual({ ok: true });
  });

  it("a timestamp exactly 300 s old or ahead is still inside the window", () => {
    const request = signedRequest("help");
    expect(verifySlackSignature({ ...request, signingSecret: SECRET, now: atSecond(SENT_AT + 300) })).toEqual({ ok: true });
    expect(verifySlackSignature({ ...request, signingSecret: SECRET, now: atSecond(SENT_AT - 300) })).toEqual({ ok: true });
  });
});

describe("forged, tampered and replayed requests", () => {
  const reject = (reason: string) => ({ ok: false, reason });

  it("signed with another workspace's secret → bad_signature", () => {
    const request = signedRequest("", SENT_AT, OTHER_SECRET);
    expect(verifySlackSignature({ ...request, signingSecret: SECRET, now: atSecond(SENT_AT) })).toEqual(reject("bad_signature"));
  });

  it("`text=next` swapped for `text=help` after signing → bad_signature", () => {
    const request = signedRequest("next");
    const rawBody = request.rawBody.replace("text=next", "text=help");
    expect(rawBody).not.toBe(request.rawBody);
    expect(verifySlackSignature({ ...request, rawBody, signingSecret: SECRET, now: atSecond(SENT_AT) })).toEqual(reject("bad_signature"));
  });

  it("one byte appended, or the user id changed → bad_signature", () => {
    const request = signedRequest("community");
    const appended = `${request.rawBody}&`;
    const otherUser = request.rawBody.replace("user_id=U2147483697", "user_id=U2147483698");
    for (const rawBody of [appended, otherUser, Buffer.from(appended)]) {
      expect(verifySlackSignature({ ...request, rawBody, signingSecret: SECRET, now: atSecond(SENT_AT) })).toEqual(reject("bad_signature"));
    }
  });

  it("the body re-encoded after form parsing (%20 instead of +) no longer verifies: verify the raw bytes", () => {
    const request = signedRequest("next community success");
    const reencoded = request.rawBody.replace(/\+/g, "%20");
    expect(verifySlackSignature({ ...request, rawBody: reencoded, signingSecret: SECRET, now: atSecond(SENT_AT) })).toEqual(reject("bad_signature"));
  });

  it("a genuine request replayed 301 s later → stale_timestamp, though its signature is valid", () => {
    const request = signedRequest("next");
    expect(verifySlackSignature({ ...request, signingSecret: SECRET, now: atSecond(SENT_AT + 301) })).toEqual(reject("stale_timestamp"));
  });

  it("a timestamp 301 s in the future → stale_timestamp", () => {
    const request = signedRequest("next");
    expect(verifySlackSignature({ ...request, signingSecret: SECRET, now: atSecond(SENT_AT - 301) })).toEqual(reject("stale_timestamp"));
  });

  it("a timestamp moved forward to pass the window breaks the signature → bad_signature", () => {
    const request = signedRequest("next");
    const fresh = SENT_AT + 3600;
    expect(verifySlackSignature({ ...request, timestamp: String(fresh), signingSecret: SECRET, now: atSecond(fresh) })).toEqual(reject("bad_signature"));
  });

  it("a custom tolerance narrows the window", () => {
    const request = signedRequest("");
    expect(verifySlackSignature({ ...request, signingSecret: SECRET, now: atSecond(SENT_AT + 61), toleranceSeconds: 60 })).toEqual(reject("stale_timestamp"));
  });

  it("missing or empty headers → missing_headers", () => {
    const request = signedRequest("");
    const now = atSecond(SENT_AT);
    expect(verifySlackSignature({ ...request, timestamp: undefined, signingSecret: SECRET, now })).toEqual(reject("missing_headers"));
    expect(verifySlackSignature({ ...request, signature: undefined, signingSecret: SECRET, now })).toEqual(reject("missing_headers"));
    expect(verifySlackSignature({ ...request, signature: "", signingSecret: SECRET, now })).toEqual(reject("missing_headers"));
    expect(verifySlackSignature({ ...request, timestamp: "  ", signingSecret: SECRET, now })).toEqual(reject("missing_headers"));
  });

  it("another scheme version or non-hex digits → malformed_signature", () => {
    const request = signedRequest("");
    const hex = request.signature.slice(3);
    const now = atSecond(SENT_AT);
    for (const signature of [`v1=${hex}`, hex, `v0=${hex.slice(0, -1)}g`, "v0=", `sha256=${hex}`]) {
      expect(verifySlackSignature({ ...request, signature, signingSecret: SECRET, now })).toEqual(reject("malformed_signature"));
    }
  });

  it("a timestamp that is not whole seconds → malformed_timestamp", () => {
    const request = signedRequest("");
    for (const timestamp of [`${SENT_AT}.5`, "-1", "1e9", "now"]) {
      expect(verifySlackSignature({ ...request, timestamp, signingSecret: SECRET, now: atSecond(SENT_AT) })).toEqual(reject("malformed_timestamp"));
    }
  });

  it("a signature of a different length is rejected without throwing", () => {
    const request = signedRequest("");
    const hex = request.signature.slice(3);
    const now = atSecond(SENT_AT);
    for (const signature of ["v0=ab", `v0=${hex}0`, `v0=${hex}${hex}`, `v0=${hex.slice(0, 62)}`]) {
      expect(() => verifySlackSignature({ ...request, signature, signingSecret: SECRET, now })).not.toThrow();
      expect(verifySlackSignature({ ...request, signature, signingSecret: SECRET, now })).toEqual(reject("bad_signature"));
    }
  });

  it("never throws and never accepts arbitrary headers for a body (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (rawBody, timestamp, signature) => {
        const check = verifySlackSignature({ rawBody, timestamp, signature, signingSecret: SECRET, now: atSecond(SENT_AT) });
        expect(check.ok).toBe(false);
      }),
    );
  });

  it("any change to a signed body is detected (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (text, extra) => {
        const request = signedRequest(text);
        expect(verifySlackSignature({ ...request, signingSecret: SECRET, now: atSecond(SENT_AT) })).toEqual({ ok: true });
        const rawBody = request.rawBody + extra;
        expect(verifySlackSignature({ ...request, rawBody, signingSecret: SECRET, now: atSecond(SENT_AT) })).toEqual(reject("bad_signature"));
      }),
    );
  });

  it("an empty signing secret is a configuration error, not a pass", () => {
    const request = signedRequest("");
    expect(() => verifySlackSignature({ ...request, signingSecret: "", now: atSecond(SENT_AT) })).toThrow(/signing secret is empty/);
  });
});
