import { resolve } from "node:path";

export interface Config {
  port: number;
  host: string;
  /** node-postgres connection string; when absent the embedded PGlite in `dataDir` is used. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** When set and the database has no people yet, this becomes the first admin's token. */
  bootstrapToken: string | undefined;
  bootstrapEmail: string;
  logLevel: string;
  bodyLimitBytes: number;
  /** Public base URL, used in Location headers and docs. */
  publicUrl: string | undefined;
}

export class ConfigError extends Error {}

const TOKEN_PATTERN = /^rota_[A-Za-z0-9_-]{20,200}$/;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

/** Reads and validates the environment once, at start. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const bootstrapToken = env.ROTA_BOOTSTRAP_TOKEN || undefined;
  if (bootstrapToken !== undefined && !TOKEN_PATTERN.test(bootstrapToken)) {
    throw new ConfigError(
      "ROTA_BOOTSTRAP_TOKEN must look like rota_ followed by at least 20 characters of [A-Za-z0-9_-]",
    );
  }
  const logLevel = env.LOG_LEVEL || "info";
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  return {
    port: integer(env, "PORT", 3000, 0, 65535),
    host: env.HOST || "0.0.0.0",
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.ROTA_DATA_DIR || "./data"),
    bootstrapToken,
    bootstrapEmail: env.ROTA_BOOTSTRAP_EMAIL || "admin@rota.local",
    logLevel,
    bodyLimitBytes: integer(env, "ROTA_BODY_LIMIT_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
    publicUrl: env.ROTA_PUBLIC_URL || undefined,
  };
}
