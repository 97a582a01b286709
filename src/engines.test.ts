import { readFileSync } from "node:fs";
import semver from "semver";
import { describe, expect, it } from "vitest";

// We run on Node 20 and users deploy on 22 and 24 (CI runs all three): a
// dependency whose `engines` excludes any of them must not slip in through an upgrade.
const lock = JSON.parse(readFileSync(new URL("../package-lock.json", import.meta.url), "utf8")) as {
  packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean; optional?: boolean }>;
};
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { engines: { node: string } };

describe("supported Node versions", () => {
  it("package.json declares Node 20, 22 and 24", () => {
    expect(semver.satisfies("20.19.0", pkg.engines.node)).toBe(true);
    expect(semver.satisfies("22.12.0", pkg.engines.node)).toBe(true);
    expect(semver.satisfies("24.0.0", pkg.engines.node)).toBe(true);
  });

  it.each(["20.19.0", "22.12.0", "24.0.0"])("every locked package allows Node %s", (version) => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, p]) => path.startsWith("node_modules/") && !p.optional && p.engines && !Array.isArray(p.engines) && p.engines.node)
      .filter(([, p]) => !semver.satisfies(version, (p.engines as { node: string }).node, { includePrerelease: true }))
      .map(([path, p]) => `${path} (${(p.engines as { node: string }).node})`);
    expect(refusing).toEqual([]);
  });
});
