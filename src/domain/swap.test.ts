import { describe, expect, it } from "vitest";
import { isExpired, transition, type SwapState } from "./swap.ts";
import { domainError } from "./testing.ts";

// Who may take each step is the policy's (src/services/policy.test.ts); here only the states.
const alice = "alice";
const bob = "bob";
const carol = "carol";
const lead = "lena";
const trade = (status: SwapState["status"], requiresApproval = false): SwapState => ({ status, kind: "trade", requesterId: "alice", counterpartId: "bob", requiresApproval });

describe("swap transitions", () => {
  it("without approval, accepting hands over: pending → completed in one step", () => {
    expect(transition(trade("pending"), "accept", bob)).toEqual({ status: "completed", counterpartId: "bob", handsOver: true });
  });

  it("with approval required: accepted → approved (lead) → completed, which hands over", () => {
    expect(transition(trade("pending", true), "accept", bob)).toEqual({ status: "accepted", counterpartId: "bob", handsOver: false });
    expect(domainError(() => transition(trade("accepted", true), "complete", bob)).code).toBe("invalid_transition");
    expect(transition(trade("accepted", true), "approve", lead)).toEqual({ status: "approved", counterpartId: "bob", handsOver: false });
    expect(transition(trade("approved", true), "complete", bob)).toEqual({ status: "completed", counterpartId: "bob", handsOver: true });
  });

  it("completing a completed swap is a no-op (a client that still completes after accepting)", () => {
    expect(transition(trade("completed"), "complete", alice)).toEqual({ status: "completed", counterpartId: "bob", handsOver: false });
  });

  it.each([
    ["completing before acceptance", trade("pending"), "complete", alice, "invalid_transition"],
    ["approving where no approval is needed", trade("accepted"), "approve", lead, "invalid_transition"],
    ["approving a completed swap", trade("completed", true), "approve", lead, "invalid_transition"],
    ["declining an accepted swap", trade("accepted", true), "decline", bob, "invalid_transition"],
    ["cancelling a completed swap", trade("completed"), "cancel", alice, "invalid_transition"],
    ["anything after expiry", trade("expired"), "accept", bob, "invalid_transition"],
    ["completing a declined swap", trade("declined"), "complete", alice, "invalid_transition"],
  ] as const)("refuses %s", (_label, state, action, actor, code) => {
    expect(domainError(() => transition(state, action, actor)).code).toBe(code);
  });

  it("anyone but the requester takes an open swap and becomes its counterpart", () => {
    const open: SwapState = { status: "pending", kind: "open", requesterId: "alice", counterpartId: null, requiresApproval: false };
    expect(transition(open, "accept", carol)).toEqual({ status: "completed", counterpartId: "carol", handsOver: true });
    expect(domainError(() => transition(open, "accept")).code).toBe("invalid_transition");
  });

  it("a named counterpart stays the counterpart whoever accepts (a lead on their behalf)", () => {
    expect(transition(trade("pending", true), "accept", lead)).toEqual({ status: "accepted", counterpartId: "bob", handsOver: false });
    expect(transition(trade("approved", true), "complete", lead).status).toBe("completed");
    expect(transition(trade("pending"), "cancel", lead).status).toBe("cancelled");
  });

  it("expires at the deadline, not before, and never once over", () => {
    const at = new Date("2026-12-01T09:00:00Z");
    expect(isExpired(trade("pending"), at, new Date("2026-12-01T08:59:59Z"))).toBe(false);
    expect(isExpired(trade("accepted"), at, at)).toBe(true);
    expect(isExpired(trade("completed"), at, new Date("2027-01-01T00:00:00Z"))).toBe(false);
  });
});
