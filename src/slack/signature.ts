import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Slack request signing, version v0:
 * https://api.slack.com/authentication/verifying-requests-from-slack
 *
 * The caller reads `X-Slack-Request-Timestamp` and `X-Slack-Signature` and
 * passes the body exactly as received (before any form parsing); re-encoding a
 * parsed body would not reproduce Slack's bytes (`+` vs `%20`, key order).
 */
export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: "missing_headers" | "malformed_signature" | "malformed_timestamp" | "stale_timestamp" | "bad_signature" };

export const DEFAULT_TOLERANCE_SECONDS = 300;

const SIGNATURE_FORMAT = /^v0=[0-9a-f]+$/i;
const TIMESTAMP_FORMAT = /^\d{1,15}$/;

export function verifySlackSignature(input: {
  rawBody: string | Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  signingSecret: string;
  now: Date;
  toleranceSeconds?: number;
}): SignatureCheck {
  // An empty secret would let anyone compute a valid signature: a
  // configuration error, not a request error.
  if (input.signingSecret.length === 0) throw new Error("Slack signing secret is empty");

  const timestamp = input.timestamp?.trim();
  const signature = input.signature?.trim();
  if (!timestamp || !signature) return { ok: false, reason: "missing_headers" };
  if (!SIGNATURE_FORMAT.test(signature)) return { ok: false, reason: "malformed_signature" };
  if (!TIMESTAMP_FORMAT.test(timestamp)) return { ok: false, reason: "malformed_timestamp" };

  // Checked before the HMAC: a captured request replayed later is rejected
  // even though its signature is genuine.
  const toleranceMs = (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS) * 1000;
  if (Math.abs(input.now.getTime() - Number(timestamp) * 1000) > toleranceMs) {
    return { ok: false, reason: "stale_timestamp" };
  }

  const expected = Buffer.from(`v0=${hmacHex(timestamp, input.rawBody, input.signingSecret)}`, "utf8");
  const received = Buffer.from(signature.toLowerCase(), "utf8");
  // The expected length is public (always 67 bytes), so returning early on a
  // length mismatch leaks nothing; timingSafeEqual would throw on it.
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    return { ok: false, reason: "bad_signature" };
  }
  return { ok: true };
}

/** The `X-Slack-Signature` value Slack would send for this body and timestamp (for tests and tools). */
export function signSlackRequest(rawBody: string | Buffer, timestamp: number, signingSecret: string): string {
  return `v0=${hmacHex(String(timestamp), rawBody, signingSecret)}`;
}

function hmacHex(timestamp: string, rawBody: string | Buffer, signingSecret: string): string {
  // The body is fed as bytes, never decoded: a Buffer with invalid UTF-8 must
  // hash to what Slack hashed.
  return createHmac("sha256", signingSecret).update(`v0:${timestamp}:`, "utf8").update(rawBody).digest("hex");
}
