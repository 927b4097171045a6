/**
 * The published workbook's staleness check: a page is stale when the run ids behind it differ
 * from the runs its notebook now builds at that scale. Checked on a page recorded from the
 * plans themselves (passes; fails once a plan's configs change) and on the committed pages in
 * docs/workbook when they exist.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parseRunConfig, runId } from "../../src/experiments/config";
import { notebookPlans } from "../../src/workbook/plans";
import { type NotebookPlan, type PageResults, checkPublished, isStale, planRunIds, stalenessReport } from "../../src/workbook/published";

const repoRoot = path.resolve(__dirname, "..", "..", "..");
const published = path.join(repoRoot, "docs", "workbook");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "slt-published-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function publish(dir: string, name: string, ids: string[], scale: PageResults["scale"] = "quick"): void {
  fs.mkdirSync(dir, { recursive: true });
  const page: PageResults = { name, scale, runIds: ids, verdicts: [], csv: [] };
  fs.writeFileSync(path.join(dir, `${name}.results.json`), JSON.stringify(page));
}

/** The same plans with one notebook's configs changed the way an edit of its config cell would. */
function withChangedPlan(name: string, change: (c: object) => object): Record<string, NotebookPlan> {
  const plan = notebookPlans[name]!;
  return { ...notebookPlans, [name]: (scale) => plan(scale).map((c) => change(c)) };
}

describe("staleness of published pages", () => {
  const names = Object.keys(notebookPlans);

  it("every plan builds valid configs at every scale", () => {
    assert.ok(names.length >= 3);
    for (const name of names)
      for (const scale of ["quick", "standard", "full"] as const)
        assert.ok(planRunIds(notebookPlans[name]!, scale).length > 0, `${name} at ${scale}`);
  });

  it("passes for pages recorded from the current plans, fails when a notebook's configs change", () => {
    const dir = path.join(tmp, "pages");
    for (const name of names) publish(dir, name, planRunIds(notebookPlans[name]!, "standard"), "standard");
    assert.deepEqual(checkPublished(dir, notebookPlans).filter(isStale), []);

    const changed = checkPublished(
      dir,
      withChangedPlan(names[0]!, (c) => ({ ...c, lr: 0.05 })),
    );
    const stale = changed.filter(isStale);
    assert.deepEqual(
      stale.map((s) => s.name),
      [names[0]],
    );
    assert.equal(stale[0]!.missing.length, stale[0]!.extra.length);
    assert.ok(stale[0]!.missing.length > 0);
    assert.match(stalenessReport(changed)[0]!, /rerun npm run workbook -- --scale standard/);

    // One more seed: the page lacks runs the notebook now builds.
    const plan = notebookPlans[names[1]!]!;
    const moreSeeds: Record<string, NotebookPlan> = {
      ...notebookPlans,
      [names[1]!]: (scale) => [...plan(scale), ...plan(scale).map((c) => ({ ...c, seed: 99 }))],
    };
    const s = checkPublished(dir, moreSeeds).find((x) => x.name === names[1]);
    assert.ok(s && isStale(s) && s.missing.length > 0 && s.extra.length === 0);
  });

  it("a page at another scale is checked against that scale's plan", () => {
    const dir = path.join(tmp, "scales");
    publish(dir, names[0]!, planRunIds(notebookPlans[names[0]!]!, "standard"), "quick");
    assert.ok(isStale(checkPublished(dir, notebookPlans)[0]!));
  });

  it("a page without a registered plan cannot pass", () => {
    const dir = path.join(tmp, "unknown");
    publish(dir, "99-unregistered", ["0123456789abcdef"]);
    const [s] = checkPublished(dir, notebookPlans);
    assert.ok(s && isStale(s));
    assert.match(s.problem ?? "", /no plan registered/);
    // A page that trained nothing has nothing to go stale.
    publish(dir, "98-no-runs", []);
    assert.deepEqual(
      checkPublished(dir, notebookPlans)
        .filter(isStale)
        .map((x) => x.name),
      ["99-unregistered"],
    );
  });

  it("plan ids are the run ids of the configs", () => {
    const plan: NotebookPlan = () => [{ keepFraction: 0.3 }, { keepFraction: 0.3 }];
    assert.deepEqual(planRunIds(plan, "quick"), [runId(parseRunConfig({ keepFraction: 0.3 }))]);
  });

  it(
    "the committed pages in docs/workbook are not stale",
    { skip: !fs.existsSync(published) && "docs/workbook is not published yet" },
    () => {
      const results = checkPublished(published, notebookPlans);
      assert.ok(results.length > 0, "docs/workbook holds no *.results.json");
      assert.deepEqual(stalenessReport(results), []);
      // And the same check fails once a published notebook's configs change.
      const name = results[0]!.name;
      if (notebookPlans[name]) {
        const changed = checkPublished(
          published,
          withChangedPlan(name, (c) => ({ ...c, weightDecay: 3e-4 })),
        );
        assert.ok(changed.some(isStale));
      }
    },
  );
});
