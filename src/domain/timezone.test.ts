import { describe, expect, it } from "vitest";
import { normalizeTimeZone } from "./timezone.ts";

describe("normalizeTimeZone", () => {
  it.each([
    ["Europe/London", "Europe/London"],
    ["europe/london", "Europe/London"],
    ["America/Los_Angeles", "America/Los_Angeles"],
    ["america/los_angeles", "America/Los_Angeles"],
    ["Asia/Kolkata", "Asia/Kolkata"],
    ["asia/kolkata", "Asia/Kolkata"],
    ["Australia/Lord_Howe", "Australia/Lord_Howe"],
    ["UTC", "UTC"],
    ["Etc/UTC", "UTC"],
    ["  Pacific/Chatham ", "Pacific/Chatham"],
  ])("accepts %s as %s", (input, expected) => {
    expect(normalizeTimeZone(input)).toBe(expected);
  });

  it.each(["PST", "EST", "CET", "PST8PDT", "Mars/Base", "", "Europe/", "GMT+1", "+01:00"])("rejects %j", (input) => {
    expect(normalizeTimeZone(input)).toBeNull();
  });
});
