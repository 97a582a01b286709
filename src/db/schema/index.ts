export * from "./people.ts";
export * from "./teams.ts";
export * from "./team-members.ts";
export * from "./api-tokens.ts";
export * from "./audit-log.ts";
export * from "./idempotency-keys.ts";
