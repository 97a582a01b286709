import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { auditRoutes } from "./audit/index.ts";
import { calendarTargetRoutes } from "./calendar-targets/index.ts";
import { coverageRoutes } from "./coverage/index.ts";
import { dutyRoutes } from "./duty/index.ts";
import { feedRoutes } from "./feeds/index.ts";
import { importRoutes } from "./imports/index.ts";
import { meRoutes } from "./me/index.ts";
import { onCallRoutes } from "./oncall/index.ts";
import { peopleRoutes } from "./people/index.ts";
import { scheduleRoutes } from "./schedules/index.ts";
import { shiftPatternRoutes } from "./shift-patterns/index.ts";
import { shiftRoutes } from "./shifts/index.ts";
import { signInRoutes } from "./sign-in/index.ts";
import { slackRoutes } from "./slack/index.ts";
import { staffingRoutes } from "./staffing/index.ts";
import { supportHoursRoutes } from "./support-hours/index.ts";
import { swapRoutes } from "./swaps/index.ts";
import { teamRoutes } from "./teams/index.ts";
import { timeOffRoutes } from "./time-off/index.ts";
import { tokenRoutes } from "./tokens/index.ts";

/**
 * Every resource under /v1, one folder each. An explicit list rather than
 * @fastify/autoload: the same code runs from src/ (tsx, tests) and dist/
 * (plain node), the order is the OpenAPI document's, and a folder that is
 * not listed here fails tests/conventions.test.ts.
 */
export const v1Routes: readonly FastifyPluginAsyncTypebox[] = [
  meRoutes,
  peopleRoutes,
  teamRoutes,
  tokenRoutes,
  signInRoutes,
  supportHoursRoutes,
  staffingRoutes,
  coverageRoutes,
  shiftRoutes,
  shiftPatternRoutes,
  dutyRoutes,
  scheduleRoutes,
  onCallRoutes,
  slackRoutes,
  timeOffRoutes,
  swapRoutes,
  feedRoutes,
  calendarTargetRoutes,
  importRoutes,
  auditRoutes,
];
