/**
 * Every command the docs show works as written, in the order a newcomer follows them:
 * README.md, notebooks/README.md, docs/cluster.md, data/README.md, one after the other in one
 * fresh copy of the built checkout (its own runs/, workbook/ and files; see copyCheckout in
 * doc-commands.ts). A command that fails fails this test, with the doc, line, command and the
 * end of its output.
 *
 * What counts as a command (extractCommands):
 * - every command of a fenced block marked bash, sh or shell: one per line, comment-only lines
 *   skipped, `\` continuations and heredocs (`cat > f <<'EOF' … EOF`) joined; a block that
 *   starts with `#!` (the Slurm script) is one script, run with bash;
 * - a fenced block of another language whose first line is a comment naming a file
 *   (`// example.mts`) is saved under that name when reached (README's TypeScript example,
 *   which the next block compiles and runs);
 * - in prose, a backticked span that is `./slt` with arguments, after optional VAR=value words
 *   (`./slt info`, `SLT_LIMIT=smoke ./slt run --epochs 5`); the docs name a subcommand without
 *   `./` (`slt export`, `slt gc`), which is not run. Other prose spans are not run: they
 *   restate a block's command, install or link packages (npm ci, npm install, npm link), need
 *   downloads (data/README.md's tar of CIFAR) or a cluster (kubectl in docs/cluster.md's YAML).
 *
 * How they run (runDocCommand), with bash in the copy's root:
 * - SLT_LIMIT=smoke (README: every run capped to 512/256 images and one epoch, marked in its
 *   config and id) and SLT_JOBS=1; no SLT_STORE, so ./runs of the copy is a fresh store;
 * - a line marked `# long: why` (setup, npm test, bench, the whole / standard / full workbook,
 *   npm run notebook) is checked, not run (longCheck): `bash -n` for a script, `--list` for
 *   the workbook, `--dry-run` for a sweep, the script's presence for npm test, `--help`
 *   otherwise;
 * - `npm run NAME -- ARGS` runs package.json's script without its `npm run build &&` step (the
 *   suite has just built dist/, copied into the copy), with npm's npm_lifecycle_event and
 *   INIT_CWD;
 * - without jupyter nbconvert, workbook commands get the long check (the docs' setup installs it);
 * - documented placeholders are replaced: `3fa2` (an example run id) → a unique prefix of the
 *   newest finished run in ./runs; `/shared/runs` (a shared file system) → an empty folder
 *   shared-runs/ of the copy; `their-runs.arrow` (a collaborator's export) → runs.arrow, the
 *   export the docs made just before; the Slurm script gets SLURM_ARRAY_TASK_ID=3,
 *   SLURM_CPUS_PER_TASK=1 and a HOME whose slt-workbench is the copy.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { checkNbconvert, findJupyter } from "../../scripts/workbook";
import {
  type DocCommand,
  type DocContext,
  copyCheckout,
  describeFailure,
  emulateNpmRun,
  extractCommands,
  longCheck,
  runDoc,
} from "./doc-commands";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const DOCS = ["README.md", "notebooks/README.md", "docs/cluster.md", "data/README.md"];

/** The environment of a reader's shell: none of the suite's npm or SLT_ variables, plus the smoke limit. */
function readerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|SLT_|INIT_CWD$|NODE_TEST)/.test(k)) env[k] = v;
  return { ...env, SLT_LIMIT: "smoke", SLT_JOBS: "1" };
}

/** A unique prefix of the newest finished run's id in `store` (what a reader copies from `slt runs`). */
function newestRunPrefix(store: string): string {
  const finished = fs.existsSync(store)
    ? fs
        .readdirSync(store)
        .filter((d) => fs.existsSync(path.join(store, d, "run.json")))
        .sort((a, b) => fs.statSync(path.join(store, b, "run.json")).mtimeMs - fs.statSync(path.join(store, a, "run.json")).mtimeMs)
    : [];
  if (finished.length === 0) return "no-finished-run-yet";
  return finished[0]!.slice(0, 6);
}

const SAMPLE = `# sample

Prose with \`./slt info\` and \`npm ci\` and \`SLT_LIMIT=smoke ./slt run --epochs 5\`; a bare \`./slt\` is a name.

\`\`\`bash
# a comment line
cat > spec.json <<'EOF'
{ "a": 1 }
EOF
echo one \\
  two > words.txt   # a comment
npm run workbook -- --scale full   # long: hours
\`\`\`

\`\`\`yaml
kind: Job
\`\`\`

\`\`\`ts
// example.mts
console.log(1);
\`\`\`

\`\`\`bash
#!/bin/bash
echo "$SLURM_ARRAY_TASK_ID"
\`\`\`
`;

describe("doc-command harness", () => {
  it("extracts block commands (heredocs, continuations), long marks, named files, scripts and ./slt prose spans, in order", () => {
    const got = extractCommands(SAMPLE, "sample.md").map((c) => ({ line: c.line, kind: c.kind, long: c.long, text: c.text, file: c.file }));
    assert.deepEqual(got, [
      { line: 3, kind: "command", long: false, text: "./slt info", file: undefined },
      { line: 3, kind: "command", long: false, text: "SLT_LIMIT=smoke ./slt run --epochs 5", file: undefined },
      { line: 7, kind: "command", long: false, text: `cat > spec.json <<'EOF'\n{ "a": 1 }\nEOF`, file: undefined },
      { line: 10, kind: "command", long: false, text: "echo one \\\n  two > words.txt   # a comment", file: undefined },
      { line: 12, kind: "command", long: true, text: "npm run workbook -- --scale full   # long: hours", file: undefined },
      { line: 20, kind: "file", long: false, text: "// example.mts\nconsole.log(1);\n", file: "example.mts" },
      { line: 25, kind: "script", long: false, text: '#!/bin/bash\necho "$SLURM_ARRAY_TASK_ID"\n', file: undefined },
    ]);
  });

  it("checks long commands instead of running them", () => {
    assert.equal(longCheck("npm run workbook -- --scale full   # long: hours"), "npm run workbook -- --scale full --list");
    assert.equal(longCheck("npm run workbook   # long: all"), "npm run workbook -- --list");
    assert.equal(longCheck("SLT_STORE=x npm run notebook  # long: server"), "SLT_STORE=x npm run notebook -- --help");
    assert.equal(longCheck("bash scripts/setup.sh   # long: installs"), "bash -n scripts/setup.sh");
    assert.equal(longCheck("./slt sweep s.json --jobs 8   # long: many"), "./slt sweep s.json --jobs 8 --dry-run");
    assert.match(longCheck("npm test   # long: the suite"), /scripts\.test/);
  });

  it("runs npm run NAME as package.json's script without the build, with npm's environment", () => {
    const r = emulateNpmRun("SLT_STORE=runs.arrow npm run workbook -- 01", ROOT);
    assert.equal(r.command, "SLT_STORE=runs.arrow node dist/scripts/workbook.js 01");
    assert.deepEqual(r.env, { npm_lifecycle_event: "workbook", INIT_CWD: ROOT });
    assert.equal(emulateNpmRun("./slt info", ROOT).command, "./slt info");
  });

  it("a command that fails is a failure the suite reports (doc, line, output); the commands before it ran", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-doc-harness-"));
    try {
      const doc = `\`\`\`bash\ncat > a.txt <<'EOF'\nhello\nEOF\ngrep -q hello a.txt   # ok\necho "$SLURM_X $(cat a.txt) 3fa2" > b.txt\nls no-such-file\n\`\`\`\n`;
      const commands = extractCommands(doc, "failing.md");
      const ctx: DocContext = { cwd: dir, env: readerEnv(), placeholders: [["3fa2", () => "abc123"]], timeoutMs: 30_000 };
      const { results, failed } = await runDoc(commands, ctx);
      assert.deepEqual(
        results.map((r) => r.code === 0),
        [true, true, true, false],
      );
      assert.equal(fs.readFileSync(path.join(dir, "b.txt"), "utf8"), " hello abc123\n");
      assert.equal(failed.length, 1);
      const text = describeFailure(failed[0]!);
      assert.match(text, /^failing\.md:7: exit 2/);
      assert.match(text, /no-such-file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("every command of the docs", { timeout: 20 * 60_000 }, () => {
  let copy: string;
  before(() => {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), "slt-doc-commands-"));
    copyCheckout(ROOT, copy);
  });
  after(() => {
    if (copy) fs.rmSync(copy, { recursive: true, force: true });
  });

  it("works as written, in the docs' order, on a fresh store", async () => {
    const shared = path.join(copy, "shared-runs");
    fs.mkdirSync(shared);
    const home = path.join(copy, ".home");
    fs.mkdirSync(home);
    fs.symlinkSync(copy, path.join(home, "slt-workbench"), "dir");
    const ctx: DocContext = {
      cwd: copy,
      env: readerEnv(),
      scriptEnv: { SLURM_ARRAY_TASK_ID: "3", SLURM_CPUS_PER_TASK: "1", HOME: home },
      placeholders: [
        ["3fa2", () => newestRunPrefix(path.join(copy, "runs"))],
        ["/shared/runs", shared],
        ["their-runs.arrow", "runs.arrow"],
      ],
      timeoutMs: 300_000,
    };
    const notebooks = checkNbconvert(findJupyter()).ok;
    const failures: string[] = [];
    let count = 0;
    for (const doc of DOCS) {
      let commands: DocCommand[] = extractCommands(fs.readFileSync(path.join(ROOT, doc), "utf8"), doc);
      if (!notebooks) commands = commands.map((c) => (/npm run workbook/.test(c.text) ? { ...c, long: true } : c));
      count += commands.length;
      const { failed } = await runDoc(commands, ctx, (r) =>
        console.log(
          `# ${r.code === 0 ? "ok  " : "FAIL"} ${r.seconds.toFixed(1).padStart(5)}s ${r.command.doc}:${r.command.line} ${r.command.long ? "[long: checked] " : ""}${r.ran.split("\n")[0]}`,
        ),
      );
      failures.push(...failed.map(describeFailure));
    }
    assert.ok(count > 30, `only ${count} commands found in ${DOCS.join(", ")}`);
    assert.deepEqual(failures, [], `${failures.length} doc command(s) failed:\n\n${failures.join("\n\n")}`);
  });
});
