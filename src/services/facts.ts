import type { Db } from "../db/client.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";
import type { Person } from "../db/schema/index.ts";
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

/** The caller's own teams, for rules about teammates. */
export async function actorTeamIds(db: Db, personId: string): Promise<string[]> {
  return createPeopleRepository(db).teamIdsOf(personId);
}
