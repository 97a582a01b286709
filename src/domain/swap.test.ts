import { describe, expect, it } from "vitest";
import { isExpired, transition, type SwapState } from "./swap.ts";
import { domainError } from "./testing.ts";

const alice = { personId: "alice", isLead: false };
const bob = { personId: "bob", isLead: false };
const carol = { personId: "carol", isLead: false };
const lead = { personId: "lena", isLead: true };
const trade = (status: SwapState["status"], requiresApproval = false): SwapState => ({ status, kind: "trade", requesterId: "alice", counterpartId: "bob", requiresApproval });

describe("swap transitions", () => {
  it("a trade runs pending → accepted → completed without approval", () => {
    expect(transition(trade("pending"), "accept", bob).status).toBe("accepted");
    expect(transition(trade("accepted"), "complete", alice).status).toBe("completed");
  });

  it("with approval required: accepted → approved (lead) → completed", () => {
    expect(domainError(() => transition(trade("accepted", true), "complete", bob)).code).toBe("invalid_transition");
    expect(domainError(() => transition(trade("accepted", true), "approve", bob)).code).toBe("forbidden");
    expect(transition(trade("accepted", true), "approve", lead).status).toBe("approved");
    expect(transition(trade("approved", true), "complete", bob).status).toBe("completed");
  });

  it.each([
    ["accepting your own swap", trade("pending"), "accept", alice, "forbidden"],
    ["accepting someone else's offer to another person", trade("pending"), "accept", carol, "forbidden"],
    ["completing twice", trade("completed"), "complete", alice, "invalid_transition"],
    ["completing before acceptance", trade("pending"), "complete", alice, "invalid_transition"],
    ["approving where no approval is needed", trade("accepted"), "approve", lead, "invalid_transition"],
    ["declining an accepted swap", trade("accepted"), "decline", bob, "invalid_transition"],
    ["cancelling someone else's swap", trade("pending"), "cancel", bob, "forbidden"],
    ["anything after expiry", trade("expired"), "accept", bob, "invalid_transition"],
    ["a stranger completing", trade("accepted"), "complete", carol, "forbidden"],
  ] as const)("refuses %s", (_label, state, action, actor, code) => {
    expect(domainError(() => transition(state, action, actor)).code).toBe(code);
  });

  it("anyone but the requester takes an open swap and becomes its counterpart", () => {
    const open: SwapState = { status: "pending", kind: "open", requesterId: "alice", counterpartId: null, requiresApproval: false };
    expect(transition(open, "accept", carol)).toEqual({ status: "accepted", counterpartId: "carol" });
    expect(domainError(() => transition(open, "accept", alice)).code).toBe("forbidden");
  });

  it("a lead may act for both people", () => {
    expect(transition(trade("pending", true), "accept", lead).status).toBe("accepted");
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
