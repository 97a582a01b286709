import { DomainError } from "./errors.ts";

/** For tests: runs `fn` and returns the DomainError it throws (anything else fails the test). */
export function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}
