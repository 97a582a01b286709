import { describe, expect, it } from "vitest";
import { GoogleApiError, classifyGoogleError, withBackoff } from "./client.ts";

const gaxios = (status: number, reason?: string, headers: Record<string, string> = {}) => ({
  message: "boom",
  response: { status, headers, data: reason ? { error: { message: `said ${reason}`, errors: [{ reason }] } } : {} },
});

describe("classifyGoogleError", () => {
  it.each([
    [gaxios(429), "rate_limited"],
    [gaxios(403, "rateLimitExceeded"), "rate_limited"],
    [gaxios(403, "userRateLimitExceeded"), "rate_limited"],
    [gaxios(403, "forbidden"), "forbidden"],
    [gaxios(403, "quotaExceeded"), "forbidden"],
    [gaxios(500, "backendError"), "transient"],
    [{ message: "timeout of 1000ms exceeded", code: "ECONNABORTED" }, "transient"],
    [gaxios(401, "authError"), "unauthorized"],
    [{ message: "invalid_grant", response: { status: 400, data: { error: "invalid_grant", error_description: "Token has been expired or revoked." } } }, "unauthorized"],
    [gaxios(404, "notFound"), "not_found"],
    [gaxios(410, "deleted"), "gone"],
    [gaxios(409, "duplicate"), "conflict"],
    [gaxios(400, "invalid"), "invalid"],
  ])("%j is %s", (error, kind) => {
    expect(classifyGoogleError(error).kind).toBe(kind);
  });

  it("reads Retry-After in seconds or as a date, and names Google's reason in the message", () => {
    expect(classifyGoogleError(gaxios(429, "rateLimitExceeded", { "retry-after": "3" })).retryAfterMs).toBe(3000);
    const error = classifyGoogleError(gaxios(403, "forbidden"));
    expect(error.message).toBe("Google answered 403 forbidden: said forbidden");
  });
});

describe("withBackoff", () => {
  const run = async (failures: unknown[], attempts = 4) => {
    const waits: number[] = [];
    let calls = 0;
    const result = withBackoff(
      async () => {
        const failure = failures[calls++];
        if (failure) throw failure;
        return "done";
      },
      { attempts, baseDelayMs: 100, maxDelayMs: 250, sleep: async (ms) => void waits.push(ms), random: () => 0.999 },
    );
    return { result, waits, calls: () => calls };
  };

  it("retries rate limits and transient failures with doubling waits under a cap, never shorter than Retry-After", async () => {
    const r = await run([gaxios(500), gaxios(429, "rateLimitExceeded", { "retry-after": "1" }), gaxios(403, "userRateLimitExceeded")]);
    await expect(r.result).resolves.toBe("done");
    expect(r.waits).toEqual([99, 1000, 249]);
  });

  it("gives up after the last attempt, and never retries what a retry cannot mend", async () => {
    const tooMany = await run([gaxios(500), gaxios(500), gaxios(500), gaxios(500)]);
    await expect(tooMany.result).rejects.toBeInstanceOf(GoogleApiError);
    expect(tooMany.calls()).toBe(4);
    const refused = await run([gaxios(401, "authError")]);
    await expect(refused.result).rejects.toMatchObject({ kind: "unauthorized" });
    expect(refused.calls()).toBe(1);
  });
});
