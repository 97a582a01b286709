import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { parseSecretKey } from "../config.ts";
import { DomainError } from "../domain/errors.ts";

/**
 * Secrets at rest (Slack signing secrets; calendar credentials later) are
 * sealed with AES-256-GCM under ROTA_SECRET_KEY. A sealed value is text:
 *
 *   v1:<keyId>:<iv>:<tag>:<ciphertext>      (base64url parts)
 *
 * `v1` names this format; `keyId` is a fingerprint of the key (not the key),
 * so a value sealed under another key is recognised as such and a future key
 * rotation can tell old values from new. The IV is 96 random bits per seal.
 * The `v1:<keyId>` prefix is authenticated too (GCM additional data).
 */
export interface SecretBox {
  /** The fingerprint of this box's key, as written in what it seals. */
  readonly keyId: string;
  seal(plaintext: string): string;
  /** The plaintext, or DomainError `secret_unreadable` (wrong key, tampered or malformed): never garbage. */
  open(sealed: string): string;
}

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

function unreadable(detail: string): DomainError {
  return new DomainError("secret_unreadable", `A stored secret cannot be decrypted: ${detail}`);
}

/** A box over ROTA_SECRET_KEY's value (32 bytes, base64 or hex); anything else is a ConfigError naming the variable. */
export function createSecretBox(keyMaterial: string): SecretBox {
  const key = parseSecretKey(keyMaterial);
  const keyId = createHash("sha256").update("rota secret key id\0").update(key).digest("base64url").slice(0, 8);
  const header = `${VERSION}:${keyId}`;

  return {
    keyId,
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(header, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return [header, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ciphertext.toString("base64url")].join(":");
    },
    open(sealed) {
      const parts = sealed.split(":");
      if (parts.length !== 5 || parts[0] !== VERSION) throw unreadable(`not a ${VERSION} sealed value`);
      const [, sealedKeyId, ivText, tagText, ciphertextText] = parts as [string, string, string, string, string];
      if (sealedKeyId !== keyId) throw unreadable(`it was sealed with key ${sealedKeyId}, and ROTA_SECRET_KEY is key ${keyId}`);
      const iv = Buffer.from(ivText, "base64url");
      const tag = Buffer.from(tagText, "base64url");
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw unreadable("its IV or tag has the wrong length");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(`${VERSION}:${sealedKeyId}`, "utf8"));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(ciphertextText, "base64url")), decipher.final()]).toString("utf8");
      } catch {
        throw unreadable("it was altered, or sealed with another key");
      }
    },
  };
}

/** The box, or the problem an admin sees when the server has no ROTA_SECRET_KEY: a secret is never stored in clear. */
export function requireSecretBox(box: SecretBox | undefined): SecretBox {
  if (box) return box;
  throw new DomainError(
    "secret_key_missing",
    "This server has no ROTA_SECRET_KEY, so it cannot store secrets. Set ROTA_SECRET_KEY (32 random bytes: openssl rand -base64 32) and restart.",
  );
}
