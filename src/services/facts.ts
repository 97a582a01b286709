import { inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";
import { people, type Person } from "../db/schema/index.ts";
import type { PersonFacts } from "./policy.ts";

/** What the policy needs to know about a person: their role and their teams. */
export async function personFacts(db: Db, person: Pick<Person, "id" | "role">): Promise<PersonFacts> {
  return { id: person.id, role: person.role, teamIds: await createPeopleRepository(db).teamIdsOf(person.id) };
}

/** The same for someone known only by id; undefined when there is no such person. */
export async function loadPersonFacts(db: Db, personId: string): Promise<PersonFacts | undefined> {
  const person = await createPeopleRepository(db).findById(personId);
  return person ? personFacts(db, person) : undefined;
}

/** How reports name a person: who, and the zone their times read best in. */
export interface PersonName {
  id: string;
  name: string;
  timeZone: string;
}

/** The names of the people a report mentions, in one query (null ids, for gaps, are skipped). */
export async function personNames(db: Db, ids: Iterable<string | null>): Promise<Map<string, PersonName>> {
  const wanted = [...new Set([...ids].filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db.select({ id: people.id, name: people.name, timeZone: people.timeZone }).from(people).where(inArray(people.id, wanted));
  return new Map(rows.map((r) => [r.id, r]));
}

/** A report line's `person`: the name, or null for nobody. */
export function nameOf(names: Map<string, PersonName>, id: string | null): PersonName | null {
  return id === null ? null : (names.get(id) ?? null);
}

/** The caller's own teams, for rules about teammates. */
export async function actorTeamIds(db: Db, personId: string): Promise<string[]> {
  return createPeopleRepository(db).teamIdsOf(personId);
}
