import { sql } from "drizzle-orm";
import { boolean, index, pgEnum, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, id, instant, updatedAt, version } from "./_columns.ts";

export const personRole = pgEnum("person_role", ["admin", "lead", "member"]);

export const people = pgTable(
  "people",
  {
    id: id(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    timeZone: text("time_zone").notNull(),
    role: personRole("role").notNull().default("member"),
    title: text("title"),
    skills: text("skills").array().notNull().default(sql`'{}'::text[]`),
    active: boolean("active").notNull().default(true),
    chatUserId: text("chat_user_id"),
    trainedAt: instant("trained_at"),
    /** Working hours in the person's zone (for duty auto-assign); null = Mon–Fri 09:00–17:00. */
    workingDays: text("working_days").array(),
    workingStart: text("working_start"),
    workingEnd: text("working_end"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: version(),
  },
  (t) => [
    uniqueIndex("people_email_lower_uq").on(sql`lower(${t.email})`),
    index("people_created_id_idx").on(t.createdAt, t.id),
    index("people_skills_idx").using("gin", t.skills),
  ],
);

export type Person = typeof people.$inferSelect;
export type NewPerson = typeof people.$inferInsert;
export type PersonRole = (typeof personRole.enumValues)[number];
