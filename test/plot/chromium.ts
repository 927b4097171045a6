/**
 * Test helpers for rendered notebooks: run a process, find Chromium, and load a page in
 * headless Chromium (offline) to count the Plotly charts that drew and collect errors.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkNbconvert, findJupyter } from "../../scripts/workbook";

/** The repository root, from dist/test/plot/ (or .build/<name>/test/plot/). */
export const repoRoot = path.resolve(__dirname, "..", "..", "..");

export function findChromium(): string | undefined {
  const env = process.env.SLT_CHROMIUM;
  if (env) return env;
  for (const p of ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]) if (fs.existsSync(p)) return p;
  const which = spawnSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

/** Why notebook tests cannot run here (jupyter or chromium missing), or false. */
export function notebookToolsMissing(): string | false {
  const nbconvert = checkNbconvert(findJupyter());
  if (!nbconvert.ok)
    return `jupyter nbconvert is not available (${nbconvert.reason}); install the Debian packages jupyter-nbconvert jupyter-client python3-ipykernel`;
  if (findChromium() === undefined) return "chromium is not installed; install the Debian package chromium (or set SLT_CHROMIUM)";
  return false;
}

export interface Run {
  code: number | null;
  output: string;
  seconds: number;
}

export function runProcess(
  cmd: string,
  args: string[],
  timeoutMs: number,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString("utf8"), seconds: (Date.now() - t0) / 1000 });
    });
  });
}

export const count = (s: string, needle: string): number => s.split(needle).length - 1;

// Injected at the top of a copy of the page: records console.error, uncaught
// errors, failed resource loads and unhandled rejections, then after load
// writes what it found (and how many charts Plotly drew) into the DOM.
const PROBE = `<script>
(function () {
  var errors = [];
  var original = console.error;
  console.error = function () {
    errors.push("console.error: " + Array.prototype.map.call(arguments, String).join(" "));
    return original.apply(console, arguments);
  };
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) errors.push("failed to load " + (t.src || t.href));
    else errors.push("uncaught: " + (e.message || String(e.error)));
  }, true);
  window.addEventListener("unhandledrejection", function (e) { errors.push("unhandled rejection: " + String(e.reason)); });
  window.addEventListener("load", function () {
    setTimeout(function () {
      var plots = document.querySelectorAll(".slt-plot");
      var drawn = 0;
      plots.forEach(function (p) { if (p.querySelector("svg.main-svg")) drawn++; });
      var out = document.createElement("pre");
      out.id = "slt-probe";
      out.textContent = JSON.stringify({ charts: plots.length, drawn: drawn, mainSvg: document.querySelectorAll("svg.main-svg").length, errors: errors });
      document.body.appendChild(out);
    }, 1000);
  });
})();
</script>`;

export interface Probe {
  charts: number;
  drawn: number;
  mainSvg: number;
  errors: string[];
}

/** Headless Chromium without GPU, sandbox, background traffic or first-run setup (each caller adds its profile). */
export const HEADLESS_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * Open a rendered page in headless Chromium with the network blocked and report what the
 * probe saw: charts on the page, charts Plotly drew (main-svg present), and every error.
 * The probed copy is written into `workDir`: pass the page's own folder for pages that load
 * files beside them (plotly.min.js).
 */
export async function probePage(
  chromium: string,
  html: string,
  workDir: string,
): Promise<{ probe: Probe | null; uncaught: string[]; output: string }> {
  const page = path.join(workDir, `probe-${process.pid}-${Date.now()}.html`);
  fs.writeFileSync(page, html.replace("<head>", `<head>${PROBE}`));
  const r = await runProcess(
    chromium,
    [
      ...HEADLESS_FLAGS,
      `--user-data-dir=${path.join(workDir, "chromium-profile")}`,
      // Any attempt to reach the network fails, so a CDN dependency would show up as an error.
      "--host-resolver-rules=MAP * ~NOTFOUND",
      "--enable-logging=stderr",
      "--v=0",
      "--virtual-time-budget=15000",
      "--dump-dom",
      `file://${page}`,
    ],
    120_000,
  );
  const m = /<pre id="slt-probe">([^<]*)<\/pre>/.exec(r.output);
  const probe = m ? (JSON.parse(m[1]!.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")) as Probe) : null;
  // Chromium's own log of page console messages.
  const uncaught = r.output.split("\n").filter((l) => /:CONSOLE[:(]/.test(l) && /Uncaught|Error/.test(l));
  return { probe, uncaught, output: r.output };
}
