import { errorMessage, workingOnItMessage, type SlackMessage } from "../slack/message.ts";

/**
 * Slack gives a slash command 3 seconds to answer. An answer not ready within
 * `deadlineMs` is acknowledged at once ("Working on it…", ephemeral) and the
 * real one is POSTed to the command's `response_url` when it is ready.
 *
 * `response_url` comes from the request body, so it is only used when it
 * starts with one of `allowedPrefixes` (default https://hooks.slack.com/):
 * anything else would let a signed request make this server POST wherever it
 * likes (SSRF). A refused or missing URL means the answer is given inline,
 * however long it takes. Redirects are not followed. The URL's path is a
 * bearer token: only its origin is ever logged.
 */
export interface SlackResponderOptions {
  /** 0: always acknowledge first and answer through response_url. */
  deadlineMs: number;
  /** Normalized URL prefixes, each ending in "/". */
  allowedPrefixes: readonly string[];
  /** One POST to response_url may take this long. */
  postTimeoutMs?: number;
}

/** The slice of a pino/Fastify logger this needs. */
export interface ResponderLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The response_url as a URL when it lies under an allowed prefix; else why not. */
export function allowedResponseUrl(raw: string | null, allowedPrefixes: readonly string[]): { ok: true; url: URL } | { ok: false; reason: "missing" | "malformed" | "not_allowed" } {
  if (raw === null || raw.trim() === "") return { ok: false, reason: "missing" };
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, reason: "malformed" };
  }
  // Compared on the parsed, normalized form: "https://hooks.slack.com.evil.test/", "https://x@hooks.slack.com/",
  // "https://hooks.slack.com/../" and backslash tricks do not pass as the prefix.
  if (url.username !== "" || url.password !== "" || url.hash !== "") return { ok: false, reason: "not_allowed" };
  return allowedPrefixes.some((prefix) => url.href.startsWith(prefix)) ? { ok: true, url } : { ok: false, reason: "not_allowed" };
}

export class SlackResponder {
  readonly #pending = new Set<Promise<void>>();

  constructor(readonly options: SlackResponderOptions) {}

  /**
   * The message to send back to Slack now: `compute()`'s answer if it is ready
   * within the deadline, else the acknowledgement (the answer follows through
   * response_url). A failure before the deadline is an ephemeral apology, logged.
   */
  async respond(form: URLSearchParams, compute: () => Promise<SlackMessage>, log: ResponderLog): Promise<SlackMessage> {
    const target = allowedResponseUrl(form.get("response_url"), this.options.allowedPrefixes);
    const work = compute();
    if (!target.ok) {
      if (target.reason !== "missing") log.warn({ reason: target.reason, responseUrlOrigin: originOf(form.get("response_url")) }, "Slack response_url refused: not under ROTA_SLACK_RESPONSE_URL_PREFIX; answering inline");
      return settle(work, log);
    }

    const late = Symbol("late");
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof late>((resolve) => {
      if (this.options.deadlineMs <= 0) resolve(late);
      else timer = setTimeout(() => resolve(late), this.options.deadlineMs);
    });
    // A rejection after the deadline is handled by the delivery below; this keeps it from being "unhandled" meanwhile.
    work.catch(() => undefined);
    const first = await Promise.race([work.then((message) => ({ message }), (error: unknown) => ({ error })), deadline]);
    clearTimeout(timer);
    if (first !== late) return "message" in first ? first.message : failure(first.error, log);

    this.#track(this.#deliver(target.url, work, log));
    return workingOnItMessage();
  }

  /** Waits for answers still being delivered (on close: a restart does not drop them). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  get pending(): number {
    return this.#pending.size;
  }

  #track(task: Promise<void>): void {
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task));
  }

  async #deliver(url: URL, work: Promise<SlackMessage>, log: ResponderLog): Promise<void> {
    const message = await settle(work, log);
    const origin = url.origin;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(message),
        redirect: "error",
        signal: AbortSignal.timeout(this.options.postTimeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) log.info({ responseUrlOrigin: origin, status: res.status }, "Slack answer delivered through response_url");
      else log.warn({ responseUrlOrigin: origin, status: res.status }, "Slack refused the answer sent to response_url");
    } catch (err) {
      // Not the error itself: its message or cause could carry the URL.
      log.warn({ responseUrlOrigin: origin, reason: err instanceof Error ? err.name : "unknown" }, "could not deliver the Slack answer to response_url");
    }
  }
}

async function settle(work: Promise<SlackMessage>, log: ResponderLog): Promise<SlackMessage> {
  try {
    return await work;
  } catch (err) {
    return failure(err, log);
  }
}

function failure(err: unknown, log: ResponderLog): SlackMessage {
  log.error({ err }, "the Slack command failed");
  return errorMessage("Sorry, something went wrong while answering. Try again in a moment.");
}

function originOf(raw: string | null): string | null {
  try {
    return raw ? new URL(raw).origin : null;
  } catch {
    return null;
  }
}
