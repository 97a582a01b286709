import { DomainError } from "../domain/errors.ts";
import type { Actor } from "./context.ts";

/** Authorization rules in one place, so routes and repositories carry no permission checks. */

export function isAdmin(actor: Actor): boolean {
  return actor.role === "admin";
}

/** Admins lead every team; a lead leads the teams where their membership has the lead flag. */
export function leadsTeam(actor: Actor, teamId: string): boolean {
  return actor.role === "admin" || (actor.role === "lead" && actor.ledTeamIds.includes(teamId));
}

export function forbidden(detail: string): DomainError {
  return new DomainError("forbidden", detail);
}

export function requireAdmin(actor: Actor, what: string): void {
  if (!isAdmin(actor)) throw forbidden(`Only an admin may ${what}`);
}

export function requireTeamLead(actor: Actor, teamId: string, what: string): void {
  if (!leadsTeam(actor, teamId)) throw forbidden(`Only an admin or a lead of this team may ${what}`);
}

export function notFound(entity: string, id: string): DomainError {
  return new DomainError("not_found", `No ${entity} with id ${id}`);
}

/** If-Match: the change applies only to one of the versions the client read. */
export function checkVersion(entity: string, current: number, ifMatch: readonly number[] | undefined): void {
  if (ifMatch !== undefined && !ifMatch.includes(current)) {
    throw new DomainError("precondition_failed", `The ${entity} changed since you read it (now version ${current}); read it again and retry`);
  }
}
