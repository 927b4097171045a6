/**
 * The doc-command harness (doc-commands.test.ts runs it; not a test file itself): finds the
 * shell commands a doc shows and runs them as a reader would, in a copy of the checkout.
 * The rules are in doc-commands.test.ts's header.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** One thing a doc asks the reader to do, in the doc's order. */
export interface DocCommand {
  doc: string;
  /** 1-based line of the doc where it starts. */
  line: number;
  /**
   * "command": a shell command of a bash/sh/shell block (heredocs and `\` continuations
   * joined) or a `./slt …` span in prose; "script": a whole block that starts with `#!`;
   * "file": a block whose first line is a comment naming a file (`// example.mts`), saved
   * under that name.
   */
  kind: "command" | "script" | "file";
  /** The command or script as written; for a file, its contents. */
  text: string;
  /** Marked `# long: why` in the doc: checked, not run. */
  long: boolean;
  /** kind "file": the file name. */
  file?: string;
}

const SHELL_BLOCK = new Set(["bash", "sh", "shell"]);
const LONG = /\s#\s*long:/;
/** A prose span that runs the CLI of this checkout: optional VAR=value words, then `./slt` and an argument. */
const INLINE_COMMAND = /^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*\.\/slt\s+\S/;
const HEREDOC = /<<-?\s*'?"?(\w+)'?"?/;

/** Every command, script and file a doc shows, in order. */
export function extractCommands(markdown: string, doc: string): DocCommand[] {
  const lines = markdown.split("\n");
  const out: DocCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*```\s*([\w-]*)/.exec(lines[i]!);
    if (!fence) {
      for (const m of lines[i]!.matchAll(/`([^`]+)`/g)) {
        const span = m[1]!.trim();
        if (INLINE_COMMAND.test(span)) out.push({ doc, line: i + 1, kind: "command", text: span, long: false });
      }
      continue;
    }
    const lang = fence[1]!.toLowerCase();
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```/.test(lines[i]!); i++) body.push(lines[i]!);
    if (SHELL_BLOCK.has(lang)) out.push(...blockCommands(body, doc, start + 1));
    else {
      const named = /^\s*(?:\/\/|#)\s*([\w.-]+\.\w+)\s*$/.exec(body[0] ?? "");
      if (named) out.push({ doc, line: start + 1, kind: "file", file: named[1]!, text: `${body.join("\n")}\n`, long: false });
    }
  }
  return out;
}

function blockCommands(body: string[], doc: string, firstLine: number): DocCommand[] {
  if (body[0]?.startsWith("#!")) return [{ doc, line: firstLine, kind: "script", text: `${body.join("\n")}\n`, long: LONG.test(body[0]) }];
  const out: DocCommand[] = [];
  for (let j = 0; j < body.length; j++) {
    const first = body[j]!;
    if (first.trim() === "" || first.trim().startsWith("#")) continue;
    const parts = [first];
    const heredoc = HEREDOC.exec(first);
    if (heredoc) {
      while (j + 1 < body.length && body[j]!.trim() !== heredoc[1]) parts.push(body[++j]!);
    } else {
      while (/\\\s*$/.test(body[j]!) && j + 1 < body.length) parts.push(body[++j]!);
    }
    out.push({ doc, line: firstLine + j - (parts.length - 1), kind: "command", text: parts.join("\n"), long: LONG.test(first) });
  }
  return out;
}

/** What a command is run with. */
export interface DocContext {
  /** The checkout (copy) the commands run in. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Extra environment of `#!` scripts (a batch system's variables). */
  scriptEnv?: NodeJS.ProcessEnv;
  /** Documented placeholders: text in a command → what the harness puts there (a function: computed when it runs). */
  placeholders?: ReadonlyArray<[string, string | (() => string)]>;
  timeoutMs: number;
}

function withoutComment(command: string): string {
  return command.replace(/\s+#.*$/, "");
}

/**
 * The check a long command gets instead of running: `bash -n` for a script, `--list` for the
 * workbook, `--dry-run` for a sweep, the script's presence for `npm test`, `--help` otherwise.
 */
export function longCheck(command: string): string {
  const c = withoutComment(command.trim());
  const [, env = "", rest = ""] = /^((?:[A-Z_][A-Z0-9_]*=\S*\s+)*)(.*)$/.exec(c) ?? [];
  const bash = /^(?:bash|sh)\s+(\S+)/.exec(rest);
  if (bash) return `bash -n ${bash[1]}`;
  if (/^npm (?:run )?test$/.test(rest)) return `node -e 'process.exit(require("./package.json").scripts.test ? 0 : 1)'`;
  // `npm run NAME` passes later words to the script only after `--`.
  const args = /^npm run \S+$/.test(rest) ? `${rest} --` : rest;
  if (/^npm run workbook\b/.test(rest)) return `${env}${args} --list`;
  if (/^\.\/slt sweep\b/.test(rest)) return `${env}${rest} --dry-run`;
  return `${env}${args} --help`;
}

/**
 * `npm run NAME -- ARGS` as npm runs it, minus the build step the suite has just done
 * (package.json's script without its leading `npm run build && `), with the environment npm
 * gives it (npm_lifecycle_event, INIT_CWD). Other commands are returned as they are.
 */
export function emulateNpmRun(command: string, cwd: string): { command: string; env: NodeJS.ProcessEnv } {
  const m = /^((?:[A-Z_][A-Z0-9_]*=\S*\s+)*)npm run ([\w:-]+)(?:\s+--)?(\s.*)?$/s.exec(withoutComment(command.trim()));
  if (!m) return { command, env: {} };
  const [, env = "", name = "", args = ""] = m;
  const scripts = (JSON.parse(fs.readFileSync(path.join(cwd, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const script = scripts[name];
  if (script === undefined) return { command, env: {} }; // npm's own error, as the reader would see it
  return { command: `${env}${script.replace(/^npm run build && /, "")}${args}`, env: { npm_lifecycle_event: name, INIT_CWD: cwd } };
}

export interface DocResult {
  command: DocCommand;
  /** What was run (after the long check, npm run and placeholders). */
  ran: string;
  code: number | null;
  output: string;
  seconds: number;
}

function applyPlaceholders(text: string, ctx: DocContext): string {
  let out = text;
  for (const [from, to] of ctx.placeholders ?? []) if (out.includes(from)) out = out.split(from).join(typeof to === "string" ? to : to());
  return out;
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-o", "pipefail", "-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    const keep = (b: Buffer) => {
      output = (output + b.toString("utf8")).slice(-20_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => {
      output += `\n[doc-commands: killed after ${timeoutMs / 1000} s]`;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // gone
      }
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : null), output });
    });
  });
}

/** Runs (or checks, or writes) one doc command in `ctx.cwd`. */
export async function runDocCommand(command: DocCommand, ctx: DocContext): Promise<DocResult> {
  const t0 = Date.now();
  const done = (ran: string, r: { code: number | null; output: string }): DocResult => ({
    command,
    ran,
    ...r,
    seconds: (Date.now() - t0) / 1000,
  });
  if (command.kind === "file") {
    fs.writeFileSync(path.join(ctx.cwd, command.file!), command.text);
    return done(`write ${command.file}`, { code: 0, output: "" });
  }
  if (command.kind === "script") {
    const file = path.join(ctx.cwd, `.doc-script-${command.line}.sh`);
    fs.writeFileSync(file, applyPlaceholders(command.text, ctx));
    const check = command.long ? `bash -n ${JSON.stringify(file)}` : `bash ${JSON.stringify(file)}`;
    const r = await bash(check, ctx.cwd, { ...ctx.env, ...ctx.scriptEnv }, ctx.timeoutMs);
    fs.rmSync(file, { force: true });
    return done(command.long ? "bash -n (script)" : "bash (script)", r);
  }
  const text = command.long ? longCheck(command.text) : command.text;
  const npm = emulateNpmRun(text, ctx.cwd);
  const ran = applyPlaceholders(npm.command, ctx);
  return done(ran, await bash(ran, ctx.cwd, { ...ctx.env, ...npm.env }, ctx.timeoutMs));
}

/** Runs a doc's commands in order; the results, and the failed ones. */
export async function runDoc(
  commands: DocCommand[],
  ctx: DocContext,
  onResult: (r: DocResult) => void = () => {},
): Promise<{ results: DocResult[]; failed: DocResult[] }> {
  const results: DocResult[] = [];
  for (const c of commands) {
    const r = await runDocCommand(c, ctx);
    results.push(r);
    onResult(r);
  }
  return { results, failed: results.filter((r) => r.code !== 0) };
}

/** A failure as the suite reports it: where, what ran, and the end of its output. */
export function describeFailure(r: DocResult): string {
  return `${r.command.doc}:${r.command.line}: exit ${r.code}\n  $ ${r.command.text.split("\n")[0]}${r.ran !== r.command.text ? `\n  ran: ${r.ran.split("\n")[0]}` : ""}\n${r.output
    .trim()
    .split("\n")
    .slice(-25)
    .map((l) => `  | ${l}`)
    .join("\n")}`;
}

/**
 * A copy of a built checkout in `dir`, as a fresh clone after `npm ci && npm run build` looks:
 * package.json, ./slt, dist/, notebooks/, scripts/, an empty data/ and docs/, node_modules
 * linked (it is only read). Its own runs/, workbook/ and files, so the docs' commands never
 * touch the real checkout.
 */
export function copyCheckout(root: string, dir: string): void {
  for (const f of ["package.json", "slt", "tsconfig.json"]) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  fs.chmodSync(path.join(dir, "slt"), 0o755);
  const skip = (src: string) => !path.basename(src).startsWith(".");
  for (const d of ["dist", "notebooks", "scripts"]) fs.cpSync(path.join(root, d), path.join(dir, d), { recursive: true, filter: skip });
  fs.mkdirSync(path.join(dir, "data"));
  fs.mkdirSync(path.join(dir, "docs"));
  fs.symlinkSync(fs.realpathSync(path.join(root, "node_modules")), path.join(dir, "node_modules"), "dir");
}
