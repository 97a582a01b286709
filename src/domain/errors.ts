/**
 * A failure the product can name. `code` is stable (snake_case) and is what
 * clients switch on; the HTTP layer maps it to a status and a problem+json
 * `type`. `field` names the offending input (JSON pointer-ish: `timeZone`,
 * `layers.0.handoffTime`) for validation failures.
 */
export class DomainError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    message: string,
    options: { field?: string; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = "DomainError";
    this.code = code;
    this.field = options.field;
    this.details = options.details;
  }
}

/** Invalid input detected by domain code (bad zone, zero-length interval, ...). */
export function invalid(field: string, message: string, code = "invalid_input"): DomainError {
  return new DomainError(code, message, { field });
}
