import { DomainError } from "./errors.ts";

/*
 * The swap state machine (SPEC §2 "Swap"):
 *
 *   pending --accept--> accepted --approve--> approved --complete--> completed
 *                           \________________complete (no approval needed)_/
 *   pending --decline--> declined
 *   pending | accepted | approved --cancel--> cancelled
 *   pending | accepted | approved --expire--> expired   (an assignment started, or the deadline passed)
 *
 * Who may do what: the counterpart accepts or declines (anyone but the
 * requester may accept an open swap, and so becomes the counterpart); a lead
 * approves where the team requires it; the requester cancels; any party
 * completes. A lead (or admin) may act for either person, so a lead can run
 * a whole swap on behalf of two people.
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

export interface SwapActor {
  personId: string;
  /** Leads the team the swap belongs to (or is an admin). */
  isLead: boolean;
}

export const TERMINAL: ReadonlySet<SwapStatus> = new Set(["completed", "declined", "cancelled", "expired"]);

function invalid(state: SwapState, action: SwapAction, why: string): DomainError {
  return new DomainError("invalid_transition", `Cannot ${action} a ${state.status} swap: ${why}`, { details: { currentStatus: state.status, action } });
}

function forbidden(detail: string): DomainError {
  return new DomainError("forbidden", detail);
}

/**
 * The status after `action` by `actor`, or a DomainError: `invalid_transition`
 * (409: wrong state, e.g. completing twice) or `forbidden` (403: wrong
 * person, e.g. accepting your own swap, approving without being a lead).
 * For accept, also returns who becomes the counterpart.
 */
export function transition(state: SwapState, action: SwapAction, actor: SwapActor | null): { status: SwapStatus; counterpartId: string | null } {
  if (TERMINAL.has(state.status)) throw invalid(state, action, "it is already over");
  const isRequester = actor !== null && actor.personId === state.requesterId;
  const isCounterpart = actor !== null && state.counterpartId !== null && actor.personId === state.counterpartId;
  const lead = actor?.isLead ?? false;
  const keep = state.counterpartId;
  switch (action) {
    case "expire":
      return { status: "expired", counterpartId: keep };
    case "accept": {
      if (state.status !== "pending") throw invalid(state, action, "only a pending swap can be accepted");
      if (!actor) throw forbidden("Accepting needs a person");
      if (state.kind === "open" && state.counterpartId === null) {
        if (isRequester) throw forbidden("You cannot take your own open swap");
        return { status: "accepted", counterpartId: actor.personId };
      }
      if (isRequester && !lead) throw forbidden("You cannot accept your own swap; the other person does");
      if (!isCounterpart && !lead) throw forbidden("Only the person the swap is offered to (or a lead) may accept it");
      return { status: "accepted", counterpartId: keep };
    }
    case "decline":
      if (state.status !== "pending") throw invalid(state, action, "only a pending swap can be declined");
      if (!isCounterpart && !lead) throw forbidden("Only the person the swap is offered to (or a lead) may decline it");
      return { status: "declined", counterpartId: keep };
    case "approve":
      if (state.status !== "accepted") throw invalid(state, action, "only an accepted swap can be approved");
      if (!state.requiresApproval) throw invalid(state, action, "this team does not require approval; complete it instead");
      if (!lead) throw forbidden("Only a lead of the team may approve a swap");
      return { status: "approved", counterpartId: keep };
    case "complete":
      if (state.status === "pending") throw invalid(state, action, "it has not been accepted");
      if (state.status === "accepted" && state.requiresApproval) throw invalid(state, action, "a lead must approve it first");
      if (!isRequester && !isCounterpart && !lead) throw forbidden("Only the two people or a lead may complete a swap");
      return { status: "completed", counterpartId: keep };
    case "cancel":
      if (!isRequester && !lead) throw forbidden("Only the person who offered the swap (or a lead) may cancel it");
      return { status: "cancelled", counterpartId: keep };
  }
}

/** A live swap expires once its deadline passes (by default: when the first assignment in it starts). */
export function isExpired(state: Pick<SwapState, "status">, expiresAt: Date, now: Date): boolean {
  return !TERMINAL.has(state.status) && now.getTime() >= expiresAt.getTime();
}
