import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config.ts";
import { DomainError } from "../domain/errors.ts";
import { createSecretBox, requireSecretBox } from "./secrets.ts";

const KEY = randomBytes(32).toString("base64");
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

function unreadable(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe("secret_unreadable");
    return err as DomainError;
  }
  throw new Error("expected secret_unreadable, got a value");
}

/** Flips one bit of one base64url part of a sealed value. */
function flip(sealed: string, part: number): string {
  const parts = sealed.split(":");
  const bytes = Buffer.from(parts[part]!, "base64url");
  bytes[0] = bytes[0]! ^ 1;
  parts[part] = bytes.toString("base64url");
  return parts.join(":");
}

describe("createSecretBox", () => {
  it("round-trips a Slack signing secret, and the sealed text contains no part of it", () => {
    const box = createSecretBox(KEY);
    const sealed = box.seal(SECRET);
    expect(sealed).toMatch(/^v1:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(sealed.split(":")[1]).toBe(box.keyId);
    expect(sealed).not.toContain(SECRET.slice(0, 8));
    expect(box.open(sealed)).toBe(SECRET);
    expect(box.open(box.seal(""))).toBe("");
    expect(box.open(box.seal("é ✓ 🔑"))).toBe("é ✓ 🔑");
  });

  it("the same key given as hex opens what the base64 form sealed", () => {
    const hex = Buffer.from(KEY, "base64").toString("hex");
    expect(createSecretBox(hex).open(createSecretBox(KEY).seal(SECRET))).toBe(SECRET);
  });

  it("uses a fresh random IV each time: sealing the same secret twice gives different text", () => {
    const box = createSecretBox(KEY);
    const ivs = new Set(Array.from({ length: 1000 }, () => box.seal(SECRET).split(":")[2]));
    expect(ivs.size).toBe(1000);
  });

  it.each([
    ["the ciphertext", 4],
    ["the tag", 3],
    ["the IV", 2],
  ])("a tampered value (one bit of %s) is secret_unreadable, not garbage", (_label, part) => {
    const box = createSecretBox(KEY);
    unreadable(() => box.open(flip(box.seal(SECRET), part)));
  });

  it("a value whose key id was rewritten is secret_unreadable (the header is authenticated)", () => {
    const box = createSecretBox(KEY);
    const parts = box.seal(SECRET).split(":");
    parts[1] = "AAAAAAAA";
    unreadable(() => box.open(parts.join(":")));
  });

  it("another key cannot open it: secret_unreadable naming both key ids, never the key", () => {
    const mine = createSecretBox(KEY);
    const other = createSecretBox(randomBytes(32).toString("base64"));
    expect(other.keyId).not.toBe(mine.keyId);
    const error = unreadable(() => other.open(mine.seal(SECRET)));
    expect(error.message).toContain(mine.keyId);
    expect(error.message).toContain(other.keyId);
    expect(error.message).not.toContain(KEY);
  });

  it.each(["", "hunter2", "v2:abc:def:ghi:jkl", "v1:a:b:c", "v1:x:y:z:w:v"])("a malformed value %j is secret_unreadable", (value) => {
    unreadable(() => createSecretBox(KEY).open(value));
  });

  it("refuses key material that is not 32 bytes with a ConfigError naming ROTA_SECRET_KEY", () => {
    expect(() => createSecretBox("too short")).toThrow(ConfigError);
    expect(() => createSecretBox(randomBytes(16).toString("hex"))).toThrow("ROTA_SECRET_KEY");
  });

  it("without a key, requireSecretBox is secret_key_missing telling the admin to set ROTA_SECRET_KEY", () => {
    expect(() => requireSecretBox(undefined)).toThrow(expect.objectContaining({ code: "secret_key_missing", message: expect.stringContaining("ROTA_SECRET_KEY") }));
    const box = createSecretBox(KEY);
    expect(requireSecretBox(box)).toBe(box);
  });
});
