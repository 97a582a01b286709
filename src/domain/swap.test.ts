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
  it("a trade runs pending → accepted → completed without approval", () => {
    expect(transition(trade("pending"), "accept", bob).status).toBe("accepted");
    expect(transition(trade("accepted"), "complete", alice).status).toBe("completed");
  });

  it("with approval required: accepted → approved (lead) → completed", () => {
    expect(domainError(() => transition(trade("accepted", true), "complete", bob)).code).toBe("invalid_transition");
    expect(transition(trade("accepted", true), "approve", lead).status).toBe("approved");
    expect(transition(trade("approved", true), "complete", bob).status).toBe("completed");
  });

  it.each([
    ["completing twice", trade("completed"), "complete", alice, "invalid_transition"],
    ["completing before acceptance", trade("pending"), "complete", alice, "invalid_transition"],
    ["approving where no approval is needed", trade("accepted"), "approve", lead, "invalid_transition"],
    ["declining an accepted swap", trade("accepted"), "decline", bob, "invalid_transition"],
    ["anything after expiry", trade("expired"), "accept", bob, "invalid_transition"],
  ] as const)("refuses %s", (_label, state, action, actor, code) => {
    expect(domainError(() => transition(state, action, actor)).code).toBe(code);
  });

  it("anyone but the requester takes an open swap and becomes its counterpart", () => {
    const open: SwapState = { status: "pending", kind: "open", requesterId: "alice", counterpartId: null, requiresApproval: false };
    expect(transition(open, "accept", carol)).toEqual({ status: "accepted", counterpartId: "carol" });
    expect(domainError(() => transition(open, "accept")).code).toBe("invalid_transition");
  });

  it("a named counterpart stays the counterpart whoever accepts (a lead on their behalf)", () => {
    expect(transition(trade("pending", true), "accept", lead)).toEqual({ status: "accepted", counterpartId: "bob" });
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
