/**
 * The helpers the claim checks of 01, 03 and 04 share.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { joinParts } from "../../../src/analysis/claims";
import type { Verdict } from "../../../src/analysis/verdict";

describe("helpers", () => {
  it("joins the parts of a claim: outcomes combined, numbers prefixed by part", () => {
    const part = (outcome: Verdict["outcome"]): Verdict => ({
      id: "x",
      slide: "1",
      claim: "c",
      definition: "d",
      outcome,
      numbers: { a: 1 },
      evidence: "e",
    });
    const both = joinParts({ id: "x", slide: "1", claim: "c" }, [
      { name: "one", verdict: part("holds") },
      { name: "two", verdict: part("holds"), outcome: "does not hold" },
    ]);
    assert.equal(both.outcome, "partly holds");
    assert.deepEqual(both.numbers, { "one · a": 1, "two · a": 1 });
    assert.match(both.evidence, /one \(holds\): e two \(does not hold\): e/);
  });
});
