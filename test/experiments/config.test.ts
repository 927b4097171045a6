/**
 * The run config: defaults, one clear SltError per bad input (field, value, allowed range),
 * run identity (stable under key order, sensitive to every result-affecting field, blind
 * to the label), and a description for every field.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SltError } from "../../src/errors";
import {
  type RunConfig,
  type RunConfigInput,
  describeConfigFields,
  finetuneLrOf,
  parseRunConfig,
  runId,
  totalEpochs,
} from "../../src/experiments/config";

/** The documented defaults (the field descriptions and the EP reference setup). */
const DEFAULTS: RunConfig = {
  label: "",
  method: "ep",
  model: "lenet300",
  widthMultiplier: 1,
  dataset: "mnist",
  dataDir: "",
  validationFraction: 0,
  limitTrain: 0,
  limitTest: 0,
  augment: false,
  keepFraction: 0.5,
  globalTopK: false,
  firstLayerDense: false,
  lastLayerDense: false,
  weightInit: "signed-constant",
  scoreInit: "kaiming-uniform",
  epochs: 2,
  batchSize: 64,
  evalBatchSize: 1000,
  optimizer: "sgd",
  lr: 0.1,
  momentum: 0.9,
  nesterov: false,
  weightDecay: 1e-4,
  labelSmoothing: 0,
  dataOrderSeed: null,
  lrSchedule: "cosine",
  warmupEpochs: 0,
  stepMilestones: [],
  stepGamma: 0.1,
  seed: 0,
  backend: "auto",
  threads: null,
  deviceMasks: "auto",
  iep: {
    cycles: 4,
    schedule: "geometric",
    keepFractions: [],
    pruneShare: 0.2,
    epochsPerCycle: 2,
    pruning: "soft",
    rewind: "lr",
    finetuneLr: null,
  },
  iterand: null,
  signFlip: null,
};

test("defaults: {} and undefined give the documented defaults", () => {
  assert.deepEqual(parseRunConfig({}), DEFAULTS);
  assert.deepEqual(parseRunConfig(undefined), DEFAULTS);
  // A partial iep section is completed from its own defaults.
  assert.deepEqual(parseRunConfig({ method: "iep", iep: { cycles: 3 } }).iep, { ...DEFAULTS.iep, cycles: 3 });
  assert.deepEqual(parseRunConfig({ iterand: {} }).iterand, { period: 300, rate: 0.1 });
});

test("parsing does not modify its input", () => {
  const input = { keepFraction: 0.3, iep: { cycles: 2 } };
  const copy = JSON.parse(JSON.stringify(input));
  parseRunConfig(input);
  assert.deepEqual(input, copy);
});

/** Runs parseRunConfig on a bad input and returns the one SltError it must throw. */
function configError(input: unknown): SltError {
  let caught: unknown = null;
  try {
    parseRunConfig(input);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SltError, `expected an SltError for ${JSON.stringify(input)}, got ${String(caught)}`);
  assert.equal(caught.kind, "config");
  return caught;
}

const badInputs: { input: Record<string, unknown>; field: string; mustMention: string[] }[] = [
  { input: { keepFraction: 0 }, field: "keepFraction", mustMention: ["keepFraction", "= 0", ">0", "(0, 1]"] },
  { input: { keepFraction: 1.5 }, field: "keepFraction", mustMention: ["keepFraction", "1.5", "<=1", "(0, 1]"] },
  { input: { keepFraction: -0.1 }, field: "keepFraction", mustMention: ["keepFraction", "-0.1", ">0", "(0, 1]"] },
  { input: { keepFraction: "0.5" }, field: "keepFraction", mustMention: ["keepFraction", '"0.5"', "expected number", "string"] },
  { input: { epochs: 0 }, field: "epochs", mustMention: ["epochs", "= 0", ">=1"] },
  { input: { epochs: 1.5 }, field: "epochs", mustMention: ["epochs", "1.5", "int"] },
  { input: { batchSize: -4 }, field: "batchSize", mustMention: ["batchSize", "-4", ">=1"] },
  { input: { momentum: 1 }, field: "momentum", mustMention: ["momentum", "= 1", "<1"] },
  { input: { method: "prune" }, field: "method", mustMention: ["method", '"prune"', '"ep"', '"iep"', '"weights"'] },
  { input: { augment: "yes" }, field: "augment", mustMention: ["augment", '"yes"', "boolean"] },
  { input: { iep: { cycles: 0 } }, field: "iep.cycles", mustMention: ["iep.cycles", "= 0", ">=1"] },
  { input: { iterand: { rate: 2 } }, field: "iterand.rate", mustMention: ["iterand.rate", "= 2", "<=1"] },
];

for (const { input, field, mustMention } of badInputs) {
  test(`bad input ${JSON.stringify(input)} → one SltError naming ${field}, the value and the allowed range`, () => {
    const e = configError(input);
    assert.equal(e.subject, field);
    for (const s of mustMention) assert.ok(e.message.includes(s), `message should mention ${JSON.stringify(s)}:\n${e.message}`);
  });
}

test("an unknown key → SltError naming it and listing the known fields", () => {
  const e = configError({ keepFracton: 0.5 });
  assert.equal(e.subject, "keepFracton");
  assert.ok(e.message.includes('"keepFracton"'), e.message);
  for (const known of Object.keys(DEFAULTS)) assert.ok(e.message.includes(known), `known field ${known} not listed:\n${e.message}`);
  // Nested: the known fields of that section.
  const n = configError({ iep: { cylces: 3 } });
  assert.equal(n.subject, "iep.cylces");
  assert.ok(n.message.includes('"iep.cylces"'), n.message);
  for (const known of Object.keys(DEFAULTS.iep)) assert.ok(n.message.includes(known), n.message);
});

test("several bad fields → one SltError listing each of them", () => {
  const e = configError({ keepFraction: 2, epochs: 0, lr: -1, bogus: true });
  for (const f of ['"keepFraction" = 2', '"epochs" = 0', '"lr" = -1', '"bogus"'])
    assert.ok(e.message.includes(f), `${f} missing:\n${e.message}`);
});

test("iep list schedule mismatches", () => {
  const list = (keepFractions: number[], extra: Record<string, unknown> = {}) => ({
    method: "iep",
    keepFraction: 0.2,
    ...extra,
    iep: { schedule: "list", cycles: 3, keepFractions },
  });
  // Valid: K values, non-increasing, ending at keepFraction.
  assert.deepEqual(parseRunConfig(list([0.6, 0.4, 0.2])).iep.keepFractions, [0.6, 0.4, 0.2]);
  const wrongLength = configError(list([0.5, 0.2]));
  assert.equal(wrongLength.subject, "iep.keepFractions");
  assert.ok(wrongLength.message.includes("2 values") && wrongLength.message.includes("iep.cycles = 3"), wrongLength.message);
  const wrongEnd = configError(list([0.6, 0.4, 0.3]));
  assert.equal(wrongEnd.subject, "iep.keepFractions");
  assert.ok(wrongEnd.message.includes("0.2") && wrongEnd.message.includes("0.3"), wrongEnd.message);
  const increasing = configError(list([0.4, 0.6, 0.2]));
  assert.equal(increasing.subject, "iep.keepFractions");
  assert.ok(increasing.message.includes("0.6") && increasing.message.includes("0.4"), increasing.message);
  const outOfRange = configError(list([1.2, 0.4, 0.2]));
  assert.equal(outOfRange.subject, "iep.keepFractions.0");
  // The list only matters for method = iep.
  assert.doesNotThrow(() => parseRunConfig({ method: "ep", iep: { schedule: "list", keepFractions: [0.9] } }));
});

test("runId is stable under key order and a 16-hex-digit string", () => {
  const a = parseRunConfig({ keepFraction: 0.3, seed: 4, iep: { cycles: 2, pruning: "hard" }, method: "iep" });
  const b = parseRunConfig({ method: "iep", iep: { pruning: "hard", cycles: 2 }, seed: 4, keepFraction: 0.3 });
  assert.match(runId(a), /^[0-9a-f]{16}$/);
  assert.equal(runId(a), runId(b));
  assert.equal(runId(parseRunConfig({})), runId(parseRunConfig({ ...DEFAULTS })), "explicit defaults = implicit defaults");
});

test("runId ignores the label", () => {
  assert.equal(runId(parseRunConfig({ label: "one" })), runId(parseRunConfig({ label: "two" })));
});

/**
 * Another valid value for every field, to check that each one changes the run id. Fields
 * of the iep section are only part of an iep run's identity, so they are varied on one.
 */
const ALTERNATIVES: Record<string, unknown> = {
  method: "weights",
  model: "conv4",
  widthMultiplier: 2,
  dataset: "synthetic",
  validationFraction: 0.1,
  limitTrain: 1000,
  limitTest: 500,
  augment: true,
  keepFraction: 0.3,
  globalTopK: true,
  firstLayerDense: true,
  lastLayerDense: true,
  weightInit: "kaiming-normal",
  scoreInit: "uniform",
  epochs: 3,
  batchSize: 37,
  evalBatchSize: 333,
  optimizer: "adam",
  lr: 0.01,
  momentum: 0.5,
  nesterov: true,
  weightDecay: 3e-5,
  labelSmoothing: 0.1,
  dataOrderSeed: 5,
  lrSchedule: "step",
  warmupEpochs: 1,
  stepMilestones: [5],
  stepGamma: 0.5,
  seed: 7,
  backend: "cpu",
  iterand: { period: 300, rate: 0.1 },
  "iterand.period": 100,
  "iterand.rate": 0.2,
  signFlip: { period: 300, rate: 0.1 },
  "signFlip.period": 100,
  "signFlip.rate": 0.2,
  "iep.cycles": 5,
  "iep.schedule": "linear",
  "iep.keepFractions": [0.5, 0.5, 0.5, 0.5],
  "iep.epochsPerCycle": 3,
  "iep.pruning": "hard",
  "iep.rewind": "scores",
  // 0.81^3 > 0.5 ≥ 0.81^4: still K = 4 cycles on the base below.
  "iep.pruneShare": 0.19,
  "iep.finetuneLr": 0.05,
};

/** Fields that only count under one schedule or rewind are varied on a config that uses them. */
const BASES: Record<string, Record<string, unknown>> = {
  "iep.pruneShare": { method: "iep", keepFraction: 0.5, iep: { schedule: "fixed-share", cycles: 4 } },
  "iep.finetuneLr": { method: "iep", iep: { rewind: "finetune" } },
};

function withField(base: Record<string, unknown>, field: string, value: unknown): Record<string, unknown> {
  const out = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  const path = field.split(".");
  let target = out;
  for (const p of path.slice(0, -1)) target = (target[p] ??= {}) as Record<string, unknown>;
  target[path[path.length - 1]] = value;
  return out;
}

/** Settings that change how a run executes, not its results (threads: test/engine/threads.test.ts; device masks: test/supermask/device-mask.test.ts). */
const EXECUTION_ONLY = ["threads", "deviceMasks"];
/** dataDir enters the id only through the content of the data read there (test/experiments/data-identity.test.ts). */
const BY_CONTENT = ["dataDir"];

test("execution-only settings (threads, deviceMasks) keep the run id: a threaded run is the same run", () => {
  const before = runId(parseRunConfig({}));
  assert.equal(runId(parseRunConfig({ threads: 2 })), before);
  assert.equal(runId(parseRunConfig({ threads: 1 })), before);
  assert.equal(runId(parseRunConfig({ deviceMasks: "on" })), before);
  assert.equal(runId(parseRunConfig({ deviceMasks: "off", threads: 4 })), before);
});

test("runId changes with every result-affecting field", () => {
  const fields = describeConfigFields()
    .map((f) => f.field)
    .filter((f) => f !== "label" && f !== "iep" && !EXECUTION_ONLY.includes(f) && !BY_CONTENT.includes(f));
  // Every field must have an alternative here, so that a new field cannot slip through.
  assert.deepEqual(
    fields.filter((f) => !(f in ALTERNATIVES)),
    [],
    "fields without an alternative value in this test",
  );
  for (const field of fields) {
    let base: Record<string, unknown> = {};
    if (field.startsWith("iep.")) base = { method: "iep" };
    if (field.startsWith("iterand.")) base = { iterand: {} };
    if (field.startsWith("signFlip.")) base = { signFlip: {} };
    base = BASES[field] ?? base;
    const before = runId(parseRunConfig(base));
    const after = runId(parseRunConfig(withField(base, field, ALTERNATIVES[field])));
    assert.notEqual(after, before, `changing ${field} must change the run id`);
  }
});

/**
 * Ids computed on main before iep.pruneShare and iep.finetuneLr existed: configs that do not
 * use them must keep their ids (a stored run stays found). The fine-tuning config's id
 * changes on purpose, since fine-tuning now trains at iep.finetuneLr.
 */
const IDS_BEFORE_FIXED_SHARE_AND_FINETUNE_LR: Array<[RunConfigInput, string]> = [
  [{}, "298a2a255b6fe703"],
  [{ keepFraction: 0.2, epochs: 5, dataset: "fashion-mnist", model: "conv4", widthMultiplier: 0.5 }, "ab01ffd50b8130ae"],
  [{ method: "iep", keepFraction: 0.05, iep: { cycles: 4, pruning: "hard", epochsPerCycle: 2 } }, "f6cd2f46201351d1"],
  [{ method: "iep", keepFraction: 0.1, iep: { cycles: 3, schedule: "list", keepFractions: [0.5, 0.2, 0.1] } }, "8370b366882e9799"],
  [{ keepFraction: 0.3, iterand: { period: 100, rate: 0.2 } }, "fb8e3a7908a2465e"],
  [{ method: "weights", optimizer: "adam", lr: 0.001 }, "079e0fddef5cec72"],
];

test("run ids of configs that use neither fixed-share nor fine-tuning are those computed before the two existed", () => {
  for (const [input, id] of IDS_BEFORE_FIXED_SHARE_AND_FINETUNE_LR) assert.equal(runId(parseRunConfig(input)), id, JSON.stringify(input));
  // Setting the new fields where they do not apply changes nothing either.
  const unused = { method: "iep", keepFraction: 0.05, iep: { cycles: 4, pruning: "hard", pruneShare: 0.5, finetuneLr: 0.3 } } as const;
  assert.equal(runId(parseRunConfig(unused)), "f6cd2f46201351d1");
  assert.notEqual(
    runId(parseRunConfig({ method: "iep", keepFraction: 0.1, iep: { rewind: "finetune" } })),
    "609ff1abac87ce1f",
    "fine-tuning trains differently now, so its old id must not find an old run",
  );
});

test("iep.finetuneLr enters the id by its value: null (= lr / 10) and lr / 10 are one run; the id follows lr through the default", () => {
  const ft = (iep: Record<string, unknown>, lr = 0.1) => runId(parseRunConfig({ method: "iep", lr, iep: { rewind: "finetune", ...iep } }));
  assert.equal(ft({}), ft({ finetuneLr: 0.01 }));
  assert.notEqual(ft({}), ft({ finetuneLr: 0.02 }));
  assert.equal(ft({}, 0.2), ft({ finetuneLr: 0.02 }, 0.2));
  assert.notEqual(ft({}, 0.2), ft({}));
  assert.equal(finetuneLrOf(parseRunConfig({ lr: 0.3 })), 0.03);
  assert.equal(finetuneLrOf(parseRunConfig({ lr: 0.3, iep: { finetuneLr: 0.007 } })), 0.007);
});

test("sign flips off (null) leave the id as before they existed; on, they change it; method = weights refuses them", () => {
  assert.equal(runId(parseRunConfig({ signFlip: null })), "298a2a255b6fe703");
  assert.notEqual(runId(parseRunConfig({ signFlip: {} })), "298a2a255b6fe703");
  const e = configError({ method: "weights", signFlip: {} });
  assert.equal(e.subject, "signFlip");
});

test("fixed-share: iep.cycles must be the K the share needs; the error names that K", () => {
  const fixed = (keepFraction: number, cycles: number, pruneShare = 0.2) =>
    parseRunConfig({ method: "iep", keepFraction, iep: { schedule: "fixed-share", cycles, pruneShare } });
  assert.equal(fixed(0.05, 14).iep.cycles, 14); // 0.8^13 ≈ 0.055 > 0.05 ≥ 0.8^14 ≈ 0.044
  assert.equal(fixed(0.512, 3).iep.cycles, 3); // exactly 0.8³, whatever the rounding of 0.8 ** 3
  const e = configError({ method: "iep", keepFraction: 0.05, iep: { schedule: "fixed-share", cycles: 4 } });
  assert.equal(e.subject, "iep.cycles");
  assert.ok(e.message.includes("Set iep.cycles to 14"), e.message);
  const tooMany = configError({ method: "iep", keepFraction: 0.001, iep: { schedule: "fixed-share", cycles: 100, pruneShare: 0.05 } });
  assert.equal(tooMany.subject, "iep.pruneShare");
  assert.ok(tooMany.message.includes("K = 135") && tooMany.message.includes("Raise iep.pruneShare"), tooMany.message);
  // Only method = iep is checked.
  assert.doesNotThrow(() => parseRunConfig({ keepFraction: 0.05, iep: { schedule: "fixed-share" } }));
});

test("iep settings do not change an EP run's id; epochs do not change an iep run's id", () => {
  assert.equal(runId(parseRunConfig({ iep: { cycles: 7 } })), runId(parseRunConfig({})));
  assert.equal(runId(parseRunConfig({ method: "iep", epochs: 9 })), runId(parseRunConfig({ method: "iep" })));
  assert.equal(totalEpochs(parseRunConfig({ method: "iep", iep: { cycles: 3, epochsPerCycle: 2 } })), 6);
  assert.equal(totalEpochs(parseRunConfig({ epochs: 5 })), 5);
});

test("describeConfigFields: every field, nested ones included, with a non-empty description", () => {
  const fields = describeConfigFields();
  const names = fields.map((f) => f.field);
  const expected = [
    ...Object.keys(DEFAULTS),
    ...Object.keys(DEFAULTS.iep).map((k) => `iep.${k}`),
    "iterand.period",
    "iterand.rate",
    "signFlip.period",
    "signFlip.rate",
  ];
  assert.deepEqual([...names].sort(), [...expected].sort());
  for (const f of fields) {
    assert.ok(f.description.trim().length > 10, `field ${f.field} has no useful description`);
    assert.ok(f.type.length > 0, `field ${f.field} has no type`);
  }
  // Defaults shown in --help are the parsed defaults.
  const byName = Object.fromEntries(fields.map((f) => [f.field, f]));
  for (const [k, v] of Object.entries(DEFAULTS)) if (k !== "iep") assert.deepEqual(byName[k].default, v, `default of ${k}`);
  assert.ok(byName.method.type.split("|").includes("iep"));
});

test("a parsed config parses to itself (stored configs can be re-validated)", () => {
  const c = parseRunConfig({ method: "iep", keepFraction: 0.1, iep: { cycles: 2 }, iterand: { rate: 0.3 } });
  const input: RunConfigInput = JSON.parse(JSON.stringify(c));
  assert.deepEqual(parseRunConfig(input), c);
  assert.equal(runId(parseRunConfig(input)), runId(c));
});

test("iterand with method = weights is refused, naming iterand", () => {
  const e = configError({ method: "weights", iterand: {} });
  assert.equal(e.subject, "iterand");
  assert.ok(e.message.includes("iterand") && e.message.includes("weights"), e.message);
});

test("dataOrderSeed enters the id only when it differs from seed: null and = seed are the run from before it existed", () => {
  for (const [input, id] of IDS_BEFORE_FIXED_SHARE_AND_FINETUNE_LR) {
    assert.equal(runId(parseRunConfig({ ...input, dataOrderSeed: null })), id, JSON.stringify(input));
    const seed = (input as { seed?: number }).seed ?? 0;
    assert.equal(runId(parseRunConfig({ ...input, dataOrderSeed: seed })), id, "dataOrderSeed = seed is the same run");
    assert.notEqual(runId(parseRunConfig({ ...input, dataOrderSeed: seed + 1 })), id);
  }
  // Only the order differs: another seed with the same order is another run, and so is the reverse.
  const a = runId(parseRunConfig({ seed: 1, dataOrderSeed: 2 }));
  assert.notEqual(a, runId(parseRunConfig({ seed: 2, dataOrderSeed: 1 })));
  assert.notEqual(a, runId(parseRunConfig({ seed: 1 })));
  assert.throws(
    () => parseRunConfig({ dataOrderSeed: -1 }),
    (e: unknown) => e instanceof SltError && e.message.includes("dataOrderSeed"),
  );
});
