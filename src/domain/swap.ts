import { DomainError } from "./errors.ts";

/*
 * The swap state machine (SPEC §2 "Swap"):
 *
 *   pending --accept--> completed          (no approval needed: accepting hands over)
 *   pending --accept--> accepted --approve--> approved --complete--> completed   (a lead must approve)
 *   completed --complete--> completed      (a no-op, for clients that still complete after accepting)
 *   pending --decline--> declined
 *   pending | accepted | approved --cancel--> cancelled
 *   pending | accepted | approved --expire--> expired   (an assignment started, or the deadline passed)
 *
 * A step that ends in `completed` hands the assignments over in the same
 * transaction (`handsOver`); if a rule blocks the hand-over, the step fails
 * as a whole and the swap stays where it was.
 *
 * Only the states live here. Who may take each step (the counterpart
 * accepts or declines, a lead approves, the requester cancels, a lead may act
 * for either person) is the policy's: services/policy.ts, "swap.accept" and
 * the rest, checked after the state so a wrong move is a 409 for everyone.
 * Accepting an open swap nobody has taken makes the taker its counterpart.
 */

export type SwapStatus = "pending" | "accepted" | "approved" | "completed" | "declined" | "cancelled" | "expired";
export type SwapKind = "trade" | "give_away" | "open";
export type SwapAction = "accept" | "decline" | "approve" | "complete" | "cancel" | "expire";

export interface SwapState {
  status: SwapStatus;
  kind: SwapKind;
  requesterId: string;
  /** Null for an open swap nobody has taken yet. */
  counterpartId: string | null;
  requiresApproval: boolean;
}

export const TERMINAL: ReadonlySet<SwapStatus> = new Set(["completed", "declined", "cancelled", "expired"]);

function invalid(state: SwapState, action: SwapAction, why: string): DomainError {
  return new DomainError("invalid_transition", `Cannot ${action} a ${state.status} swap: ${why}`, { details: { currentStatus: state.status, action } });
}

/**
 * The status after `action`, or `invalid_transition` (409: wrong state, e.g.
 * accepting a declined swap). For accept, also returns who becomes the
 * counterpart: `takerId` when it takes an open swap nobody has taken yet.
 * `handsOver` says the step completes the swap (the caller moves the
 * assignments in the same transaction).
 */
export function transition(state: SwapState, action: SwapAction, takerId?: string): { status: SwapStatus; counterpartId: string | null; handsOver: boolean } {
  const keep = state.counterpartId;
  if (action === "complete" && state.status === "completed") return { status: "completed", counterpartId: keep, handsOver: false };
  if (TERMINAL.has(state.status)) throw invalid(state, action, "it is already over");
  switch (action) {
    case "expire":
      return { status: "expired", counterpartId: keep, handsOver: false };
    case "accept": {
      if (state.status !== "pending") throw invalid(state, action, "only a pending swap can be accepted");
      const after = state.requiresApproval ? ({ status: "accepted", handsOver: false } as const) : ({ status: "completed", handsOver: true } as const);
      if (state.kind === "open" && state.counterpartId === null) {
        if (!takerId) throw invalid(state, action, "taking an open swap needs a person");
        return { ...after, counterpartId: takerId };
      }
      return { ...after, counterpartId: keep };
    }
    case "decline":
      if (state.status !== "pending") throw invalid(state, action, "only a pending swap can be declined");
      return { status: "declined", counterpartId: keep, handsOver: false };
    case "approve":
      if (state.status !== "accepted") throw invalid(state, action, "only an accepted swap can be approved");
      if (!state.requiresApproval) throw invalid(state, action, "this team does not require approval");
      return { status: "approved", counterpartId: keep, handsOver: false };
    case "complete":
      if (state.status === "pending") throw invalid(state, action, "it has not been accepted");
      if (state.status === "accepted" && state.requiresApproval) throw invalid(state, action, "a lead must approve it first");
      return { status: "completed", counterpartId: keep, handsOver: true };
    case "cancel":
      return { status: "cancelled", counterpartId: keep, handsOver: false };
  }
}

/** A live swap expires once its deadline passes (by default: when the first assignment in it starts). */
export function isExpired(state: Pick<SwapState, "status">, expiresAt: Date, now: Date): boolean {
  return !TERMINAL.has(state.status) && now.getTime() >= expiresAt.getTime();
}
