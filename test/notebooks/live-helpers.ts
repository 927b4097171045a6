/**
 * Helpers for the live-session tests: talk to a Jupyter kernel over its websocket, drive
 * headless Chromium through the DevTools protocol, and list the processes a test started.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import WebSocket from "ws";
import { HEADLESS_FLAGS } from "../plot/chromium";

/** A JSON request to the notebook server's REST API. */
export function api<T>(
  baseUrl: string,
  token: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${baseUrl}${route}`,
      { method, headers: { Authorization: `token ${token}`, "Content-Type": "application/json" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, json: (text ? JSON.parse(text) : null) as T });
        });
      },
    );
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

export interface CellResult {
  /** "ok" or "error", from execute_reply. */
  status: string;
  stdout: string;
  stderr: string;
  /** The text/html of every display_data / execute_result. */
  html: string[];
}

/**
 * Executes `code` in a running kernel over `/api/kernels/ID/channels` (Jupyter's websocket,
 * JSON messages of protocol 5.3) and collects its output until the kernel is idle again.
 */
export function executeOverWebsocket(
  baseUrl: string,
  token: string,
  kernelId: string,
  code: string,
  timeoutMs: number,
): Promise<CellResult> {
  const session = crypto.randomUUID();
  const msgId = crypto.randomUUID();
  const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/api/kernels/${kernelId}/channels?session_id=${session}`, {
    headers: { Authorization: `token ${token}` },
  });
  const result: CellResult = { status: "", stdout: "", stderr: "", html: [] };
  let idle = false;
  return new Promise<CellResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no answer within ${timeoutMs} ms; output so far: ${JSON.stringify(result)}`));
    }, timeoutMs);
    const finish = () => {
      if (!idle || !result.status) return;
      clearTimeout(timer);
      ws.close();
      resolve(result);
    };
    ws.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.on("open", () => {
      ws.send(
        JSON.stringify({
          header: { msg_id: msgId, username: "test", session, msg_type: "execute_request", version: "5.3", date: new Date().toISOString() },
          parent_header: {},
          metadata: {},
          content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
          channel: "shell",
          buffers: [],
        }),
      );
    });
    ws.on("message", (raw) => {
      const msg = JSON.parse(raw.toString()) as {
        channel: string;
        header: { msg_type: string };
        parent_header: { msg_id?: string };
        content: Record<string, unknown>;
      };
      if (msg.parent_header?.msg_id !== msgId) return;
      const c = msg.content;
      switch (msg.header.msg_type) {
        case "stream":
          if (c.name === "stderr") result.stderr += String(c.text);
          else result.stdout += String(c.text);
          break;
        case "display_data":
        case "execute_result": {
          const html = (c.data as Record<string, string> | undefined)?.["text/html"];
          if (html) result.html.push(html);
          break;
        }
        case "execute_reply":
          result.status = String(c.status);
          finish();
          break;
        case "status":
          if (c.execution_state === "idle") {
            idle = true;
            finish();
          }
          break;
      }
    });
  });
}

// ---------------------------------------------------------------------------
// Processes.

/** Pids of `pid`'s descendants now (Linux /proc). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name may hold spaces and parentheses: fields start after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** The pids of `pids` that are still running (zombies count as gone). */
export function alive(pids: readonly number[]): number[] {
  return pids.filter((p) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
    } catch {
      return false;
    }
  });
}

/** Processes whose command line mentions `needle` (e.g. a test's temporary folder). */
export function processesMentioning(needle: string): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (cmd.includes(needle) && alive([Number(entry)]).length) out.push({ pid: Number(entry), cmd });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Headless Chromium over the DevTools protocol.

export class Browser {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Exceptions the page threw (Runtime.exceptionThrown). */
  readonly exceptions: string[] = [];

  private constructor(
    readonly child: ChildProcess,
    private readonly ws: WebSocket,
  ) {
    ws.on("message", (raw) => {
      const msg = JSON.parse(raw.toString()) as {
        id?: number;
        method?: string;
        params?: { exceptionDetails?: { text?: string; exception?: { description?: string } } };
        result?: unknown;
        error?: { message: string };
      };
      if (msg.method === "Runtime.exceptionThrown") {
        const d = msg.params?.exceptionDetails;
        this.exceptions.push(d?.exception?.description ?? d?.text ?? "exception");
      }
      if (msg.id === undefined) return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    });
  }

  /** Starts headless Chromium (no network, fresh profile in `profileDir`) and attaches to its page. */
  static async launch(chromium: string, profileDir: string): Promise<Browser> {
    fs.mkdirSync(profileDir, { recursive: true });
    const child = spawn(
      chromium,
      [
        ...HEADLESS_FLAGS,
        "--disable-dev-shm-usage",
        `--user-data-dir=${profileDir}`,
        "--remote-debugging-port=0",
        "--remote-debugging-address=127.0.0.1",
        "about:blank",
      ],
      { stdio: ["ignore", "ignore", "pipe"], detached: true },
    );
    child.stderr?.resume();
    const portFile = path.join(profileDir, "DevToolsActivePort");
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(portFile) || fs.readFileSync(portFile, "utf8").split("\n").length < 2) {
      if (Date.now() > deadline || child.exitCode !== null) {
        killGroup(child);
        throw new Error("chromium did not open its DevTools port");
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const port = Number(fs.readFileSync(portFile, "utf8").split("\n")[0]);
    const targets = await new Promise<Array<{ type: string; webSocketDebuggerUrl: string }>>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${port}/json/list`, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
        })
        .on("error", reject);
    });
    const page = targets.find((t) => t.type === "page");
    if (!page) {
      killGroup(child);
      throw new Error("chromium has no page target");
    }
    const ws = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const browser = new Browser(child, ws);
    await browser.send("Runtime.enable");
    await browser.send("Page.enable");
    return browser;
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates an expression in the page and returns its (JSON) value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true })) as {
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return r.result.value as T;
  }

  /** Polls `expression` until it is truthy; returns its value. */
  async waitFor<T>(expression: string, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await this.evaluate<T>(expression).catch(() => undefined);
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Closes the browser and waits for its processes to exit. */
  async close(): Promise<void> {
    this.ws.close();
    killGroup(this.child, "SIGTERM");
    const timer = setTimeout(() => killGroup(this.child, "SIGKILL"), 5000);
    if (this.child.exitCode === null && this.child.signalCode === null) await new Promise((r) => this.child.once("exit", r));
    clearTimeout(timer);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // gone
  }
}
