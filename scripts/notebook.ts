/**
 * `npm run notebook`: Jupyter Notebook on 127.0.0.1 with the repo's tslab kernel and
 * notebooks/ open, plus `tsc --watch` so that edits to src/ reach dist/ (which the notebooks
 * import) without a manual build. Prints the URL with its token; Ctrl-C stops both and the
 * kernels Jupyter started.
 *
 *   npm run notebook -- [--port N] [--no-watch] [--dir FOLDER]
 *
 * `startNotebookServer` is also what the live-session tests use.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { absoluteStore, findJupyter, invocationDir, runScript } from "./workbook";

export const HOST = "127.0.0.1";
const DEFAULT_PORT = 8888;

export interface NotebookServerOptions {
  /** The repository root (its notebooks/ holds the kernelspec). */
  root: string;
  /** Folder the server opens; default <root>/notebooks. */
  notebookDir?: string;
  /** Port on 127.0.0.1; 0 or omitted: 8888 if free, else any free port. */
  port?: number;
  /** Access token; default a fresh random one. */
  token?: string;
  /** The jupyter executable (default: as the workbook finds it). */
  jupyter?: string;
  /** Extra environment for the server and its kernels. */
  env?: NodeJS.ProcessEnv;
  /** Where the server's log lines go (default: this process's stderr). */
  onLog?: (line: string) => void;
  /** Seconds to wait for the server to answer (default 60). */
  startTimeout?: number;
}

export interface NotebookServer {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  port: number;
  token: string;
  /** The notebook list, with the token: what a user opens. */
  url: string;
  pid: number;
  /** Resolves when the server process has exited (stopped, or died on its own). */
  exited: Promise<void>;
  /** Stops the server (its kernels are shut down by Jupyter) and resolves when it has exited. */
  stop(): Promise<void>;
}

/** True when `port` can be bound on 127.0.0.1 now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, HOST, () => s.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 that is free right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, HOST, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function get(url: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { headers: { Authorization: `token ${token}` }, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => {
      req.destroy();
      resolve(0);
    });
  });
}

/** The environment Jupyter needs to find the repo's kernelspec (notebooks/kernels/tslab). */
export function notebookEnv(root: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const own = path.join(root, "notebooks");
  return {
    ...base,
    JUPYTER_PATH: base.JUPYTER_PATH ? `${own}${path.delimiter}${base.JUPYTER_PATH}` : own,
    // debugpy (pulled in by ipykernel) warns about frozen modules on every start.
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    PYTHONUNBUFFERED: "1",
  };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

/** Signals a child's whole process group (it was started detached), ignoring one that is gone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Stops a detached child: `signal` to its group, then SIGKILL after `graceMs`.
 * Jupyter shuts its kernels down on SIGTERM/SIGINT (they run in sessions of their own, so
 * the group signal does not reach them; Jupyter's own clean-up does).
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  signalGroup(child, signal);
  const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
  await exited(child);
  clearTimeout(timer);
}

function lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffer = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const p of parts) onLine(p);
  });
  stream.on("end", () => buffer && onLine(buffer));
}

/** Starts Jupyter Notebook on 127.0.0.1 and resolves once it answers its REST API. */
export async function startNotebookServer(options: NotebookServerOptions): Promise<NotebookServer> {
  const root = path.resolve(options.root);
  const notebookDir = path.resolve(options.notebookDir ?? path.join(root, "notebooks"));
  const token = options.token ?? crypto.randomBytes(24).toString("hex");
  const port = options.port ? options.port : (await portFree(DEFAULT_PORT)) ? DEFAULT_PORT : await freePort();
  const onLog = options.onLog ?? ((l: string) => process.stderr.write(`${l}\n`));
  const args = [
    "notebook",
    "--no-browser",
    `--ip=${HOST}`,
    `--port=${port}`,
    "--port-retries=0",
    `--notebook-dir=${notebookDir}`,
    `--NotebookApp.token=${token}`,
  ];
  // Jupyter refuses to run as root without it; containers and CI often run as root.
  if (process.getuid?.() === 0) args.push("--allow-root");
  const jupyter = options.jupyter ?? findJupyter();
  // Own process group (detached), stdin not a terminal: Ctrl-C reaches only this launcher,
  // which stops Jupyter with SIGTERM, and Jupyter never stops to ask "Shutdown (y/[n])?".
  const child = spawn(jupyter, args, {
    cwd: notebookDir,
    env: notebookEnv(root, { ...process.env, ...options.env }),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  // The token is ours to print; keep it out of the log Jupyter writes.
  const redact = (l: string) => l.split(token).join("…");
  lines(child.stdout, (l) => onLog(redact(l)));
  lines(child.stderr, (l) => onLog(redact(l)));
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  const baseUrl = `http://${HOST}:${port}`;
  const deadline = Date.now() + (options.startTimeout ?? 60) * 1000;
  const server: NotebookServer = {
    baseUrl,
    port,
    token,
    url: `${baseUrl}/tree?token=${token}`,
    pid: child.pid ?? -1,
    exited: exited(child),
    stop: () => stopChild(child, "SIGTERM", 15_000),
  };
  for (;;) {
    const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 250))]);
    if (failed)
      throw new Error(
        `cannot start ${jupyter}: ${failed.message}. Install the Debian package jupyter-notebook (bash scripts/install-system-packages.sh).`,
      );
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `jupyter notebook exited (${child.exitCode ?? child.signalCode}) before it served ${baseUrl}; its log is above. Is the Debian package jupyter-notebook installed?`,
      );
    if ((await get(`${baseUrl}/api/status`, token)) === 200) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`jupyter notebook did not answer on ${baseUrl} within ${options.startTimeout ?? 60} s`);
    }
  }
}

/**
 * The command `npm run build` runs (package.json's "build" script), as [executable, ...args]:
 * the watcher must compile with the same compiler, tsconfig and folder as the build, or it
 * reports errors the build does not (node_modules/.bin/tsc may be another package's tsc).
 * A bare command is looked up in node_modules/.bin, as npm does.
 */
export function buildCommand(root: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  const script = pkg.scripts?.build;
  if (!script || /[&|;<>"'`$]/.test(script))
    throw new Error(`package.json's "build" script is not one plain command: ${JSON.stringify(script)}`);
  const [cmd, ...args] = script.trim().split(/\s+/) as [string, ...string[]];
  if (cmd === "node") return [process.execPath, ...args];
  const bin = path.join(root, "node_modules", ".bin", cmd);
  return [fs.existsSync(bin) ? bin : cmd, ...args];
}

/** `npm run build` in watch mode (same compiler, tsconfig and folder), so that dist/ follows src/ while the server runs. */
export function startTscWatch(root: string, onLine: (line: string) => void): ChildProcess {
  const [cmd, ...args] = buildCommand(root);
  const child = spawn(cmd!, [...args, "--watch", "--preserveWatchOutput"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  lines(child.stdout, onLine);
  lines(child.stderr, onLine);
  return child;
}

const USAGE = `usage: npm run notebook -- [--port N] [--no-watch] [--dir FOLDER]

Starts Jupyter Notebook on ${HOST} with the repo's tslab kernel and notebooks/ open, and
tsc --watch (npm run build's compiler and tsconfig) so that edits to src/ are compiled into
dist/ (restart the kernel to load them). Ctrl-C stops everything. A relative --dir or
$SLT_STORE means the folder npm run was started from; the kernels get it as an absolute path.

  --port N      port (default ${DEFAULT_PORT}, or a free one if it is taken)
  --no-watch    do not run tsc --watch (dist/ stays as built)
  --dir FOLDER  folder to open (default notebooks/)
  -h, --help    this text`;

export async function main(argv: string[]): Promise<number> {
  const root = path.resolve(__dirname, "..", "..");
  let values: { port?: string; "no-watch"?: boolean; dir?: string; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        "no-watch": { type: "boolean", default: false },
        dir: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (e) {
    console.error(`notebook: ${(e as Error).message} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // Kernels run in notebooks/: a relative SLT_STORE (or --dir) means the folder npm run was started from.
  const from = invocationDir("notebook");
  const store = absoluteStore(process.env, from);
  if (store) process.env.SLT_STORE = store;
  const dir = values.dir === undefined ? undefined : path.resolve(from, values.dir);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (values.port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    console.error(`notebook: --port must be a whole number 1–65535, got "${values.port}"`);
    return 2;
  }
  if (!fs.existsSync(path.join(root, "node_modules", ".bin", "tslab"))) {
    console.error("notebook: node_modules/.bin/tslab is missing: run npm install");
    return 2;
  }

  let tsc: ChildProcess | undefined;
  if (!values["no-watch"]) tsc = startTscWatch(root, (l) => l.trim() && console.log(`[tsc] ${l.replace(/^\[[^\]]*\]\s*/, "")}`));
  let server: NotebookServer | undefined;
  let stopping = false;
  const stopAll = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nnotebook: ${why}; stopping Jupyter (and its kernels)${tsc ? " and tsc --watch" : ""}…`);
    await Promise.all([server?.stop(), tsc ? stopChild(tsc, "SIGTERM", 5000) : undefined]);
    console.log("notebook: stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void stopAll("Ctrl-C"));
  process.on("SIGTERM", () => void stopAll("SIGTERM"));
  process.on("SIGHUP", () => void stopAll("terminal closed"));
  try {
    server = await startNotebookServer({
      root,
      notebookDir: dir,
      port,
      onLog: (l) => process.stderr.write(`${l}\n`),
    });
  } catch (e) {
    console.error(`notebook: ${(e as Error).message}`);
    if (tsc) await stopChild(tsc, "SIGTERM", 5000);
    return 1;
  }
  console.log(
    `\nJupyter Notebook (tslab kernel "TypeScript (slt-workbench tslab)") is serving ${path.relative(root, dir ?? path.join(root, "notebooks")) || "."}/ at\n\n    ${server.url}\n\n` +
      `${tsc ? "tsc --watch recompiles src/ into dist/ on every save: restart the kernel (Kernel ▸ Restart) to load an edit.\n" : ""}` +
      "Press Ctrl-C to stop.\n",
  );
  // Keep running until a signal stops us; a server that dies on its own ends the launcher too.
  await server.exited;
  if (!stopping) {
    console.error("notebook: Jupyter exited on its own (its log is above).");
    if (tsc) await stopChild(tsc, "SIGTERM", 5000);
    return 1;
  }
  return 0;
}

if (require.main === module) runScript(main);
