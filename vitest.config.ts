import { defineConfig } from "vitest/config";

// Pure domain tests run once. Integration tests (tests/) run against the
// embedded PGlite and, when TEST_DATABASE_URL is set, once more against that
// PostgreSQL server. A host TZ far from UTC keeps zone bugs from hiding.
const integration = (name: string, env: Record<string, string>, globalSetup?: string, exclude: string[] = []) => ({
  test: {
    name,
    include: ["tests/**/*.test.ts"],
    exclude,
    env: { TZ: "Pacific/Chatham", ...env },
    // One PGlite per worker, reset between files: module state must survive
    // across files in a worker (see tests/helpers/db.ts).
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    ...(globalSetup ? { globalSetup: [globalSetup] } : {}),
  },
});

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "web/src/**/*.test.ts"],
          env: { TZ: "Pacific/Chatham" },
        },
      },
      integration("pglite", { ROTA_TEST_DB: "pglite" }),
      // Files whose subject does not touch the database run on PGlite only: the production
      // build, type-checking a client against openapi.yaml, and the browser (whose API calls
      // the API tests make on both databases). Together they took a minute of CI twice.
      ...(process.env.TEST_DATABASE_URL
        ? [integration("postgres", { ROTA_TEST_DB: "postgres" }, "tests/helpers/postgres-global-setup.ts", ["tests/build.test.ts", "tests/openapi-client.test.ts", "tests/web.test.ts"])]
        : []),
    ],
  },
});
