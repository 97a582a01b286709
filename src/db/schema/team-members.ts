import { boolean, index, pgTable, primaryKey, uuid } from "drizzle-orm/pg-core";
import { createdAt } from "./_columns.ts";
import { people } from "./people.ts";
import { teams } from "./teams.ts";

export const teamMembers = pgTable(
  "team_members",
  {
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    personId: uuid("person_id").notNull().references(() => people.id, { onDelete: "restrict" }),
    isLead: boolean("is_lead").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: "team_members_pk", columns: [t.teamId, t.personId] }),
    index("team_members_person_idx").on(t.personId),
  ],
);

export type TeamMember = typeof teamMembers.$inferSelect;
