import { HttpRequestError, BaseError as ViemBaseError } from "viem";
import { describe, expect, it } from "vitest";
import { BridgeError, errorSummary, walkCauses } from "../../lib/errors.js";

class ExampleError extends BridgeError {}

describe("BridgeError", () => {
  it("keeps the short message apart from meta messages and details, like viem's BaseError", () => {
    const error = new ExampleError("Could not reach the relayer.", {
      metaMessages: ["URL: http://127.0.0.1:7200"],
      details: "connect ECONNREFUSED",
    });
    expect(error.name).toBe("ExampleError");
    expect(error.shortMessage).toBe("Could not reach the relayer.");
    expect(error.message).toBe(
      "Could not reach the relayer.\n\nURL: http://127.0.0.1:7200\n\nDetails: connect ECONNREFUSED",
    );
    expect(new ExampleError("Plain.").message).toBe("Plain.");
  });

  it("walks the cause chain to the first match or the innermost cause", () => {
    const http = new HttpRequestError({ url: "http://127.0.0.1:1", details: "fetch failed" });
    const viem = new ViemBaseError("RPC failed", { cause: http });
    const ours = new ExampleError("Sending failed.", { cause: viem });
    expect(ours.walk((e) => e instanceof HttpRequestError)).toBe(http);
    expect(ours.walk()).toBe(http);
    expect(walkCauses(ours, (e) => e instanceof RangeError)).toBeUndefined();
  });

  it("summarises any error in one line: shortMessage first, else the first line", () => {
    expect(errorSummary(new ExampleError("Short.", { details: "long" }))).toBe("Short.");
    expect(errorSummary(new HttpRequestError({ url: "http://x", details: "d" }))).toBe(
      "HTTP request failed.",
    );
    expect(errorSummary(new Error("first\nsecond"))).toBe("first");
    expect(errorSummary("text")).toBe("text");
  });
});
