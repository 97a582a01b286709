import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("defaults to the embedded database in ./data on port 3000", () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir.endsWith("/data")).toBe(true);
    expect(config.bootstrapToken).toBeUndefined();
  });

  it("reads DATABASE_URL, PORT and ROTA_BOOTSTRAP_TOKEN", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://u@h/db",
      PORT: "8080",
      ROTA_BOOTSTRAP_TOKEN: "rota_0123456789abcdefghij",
      ROTA_DATA_DIR: "/var/lib/rota",
    });
    expect(config).toMatchObject({ databaseUrl: "postgres://u@h/db", port: 8080, bootstrapToken: "rota_0123456789abcdefghij", dataDir: "/var/lib/rota" });
  });

  it.each([
    [{ PORT: "70000" }, "PORT"],
    [{ PORT: "3.5" }, "PORT"],
    [{ ROTA_BOOTSTRAP_TOKEN: "short" }, "ROTA_BOOTSTRAP_TOKEN"],
    [{ ROTA_BOOTSTRAP_TOKEN: "nope_0123456789abcdefghij" }, "ROTA_BOOTSTRAP_TOKEN"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
  ])("rejects %j naming %s", (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
