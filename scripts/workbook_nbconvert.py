"""nbconvert configuration used by the workbook runner (scripts/workbook.ts).

    jupyter nbconvert --to notebook --execute --config scripts/workbook_nbconvert.py NB.ipynb

It swaps nbconvert's ExecutePreprocessor for a subclass that
  * streams progress to the terminal: one line per code cell, the cell's
    stdout/stderr as it arrives (tslab streams console output live), a note
    per rich output, and the cell's duration;
  * keeps the saved page short: lines the kernel marks as transient progress
    (ANSI dim ... reset, see src/plot/notebook.ts `transient`) stream to the
    terminal but are dropped from the executed notebook, so a page keeps one
    summary line per batch of runs rather than a line per run and epoch;
  * prints the real error of a failing cell. tslab answers a failed cell with
    an empty error reply (no ename/evalue/traceback) and writes the actual
    message (compiler diagnostics, stack trace) to the cell's stderr, so
    nbconvert alone only says "<Error>:". We report the cell number, a source
    excerpt and that stderr text instead;
  * on failure, saves the partially executed notebook (so the runner can
    still render HTML showing the error) and a JSON report for the index page.

Environment (all optional, set by the runner):
  SLT_WORKBOOK_REPORT   path for the JSON report
  SLT_WORKBOOK_PARTIAL  path for the partially executed notebook on failure
  SLT_WORKBOOK_TITLE    notebook title to store in the executed notebook
  SLT_WORKBOOK_PROVENANCE  JSON: commit, dirty, tfjs, scale, limit, store, date (shown on the page)
  SLT_SCALE             recorded in the notebook metadata (the kernel reads it too)
With SLT_WORKBOOK_REPORT set, a failure exits with status 1 after printing
the error instead of raising, so the terminal is not flooded by nbconvert's
Python traceback.
"""

import datetime
import json
import os
import re
import sys
import time

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert.exporters import Exporter
from nbconvert.preprocessors import ExecutePreprocessor

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# One transient line: dim on, text, reset (and its newline).
TRANSIENT = re.compile(r"\x1b\[2m[^\n]*?\x1b\[0m\n?")
SOURCE_EXCERPT_LINES = 12
PROV_BACKENDS = re.compile(r'data-slt-backends="([^"]*)"')
PROV_RUNS = re.compile(r'data-slt-runs="([^"]*)"')


def _say(line=""):
    # stdout, like the runner's own lines, so the two interleave in order in CI logs.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _first_line(source, width=90):
    for line in source.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= width else line[: width - 1] + "…"
    return ""


def _stream_text(cell, name):
    return "".join(
        o.get("text", "")
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == name
    )


def _drop_transient(cell):
    outputs = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            text = TRANSIENT.sub("", o.get("text", ""))
            if not text:
                continue
            o["text"] = text
        outputs.append(o)
    cell["outputs"] = outputs


def _error_outputs(cell):
    # Kernels other than tslab report errors as "error" outputs.
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            tb = "\n".join(o.get("traceback", []))
            parts.append(tb or "{}: {}".format(o.get("ename", ""), o.get("evalue", "")))
    return "\n".join(parts)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class WorkbookExecutePreprocessor(ExecutePreprocessor):
    """ExecutePreprocessor with live progress and readable errors (see module docstring)."""

    def preprocess(self, nb, resources=None, km=None):
        self._code_cells = sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())
        self._code_seen = 0
        self._cell_index = None
        self._line_buffer = ""
        self._timings = []
        started = time.monotonic()
        meta = {
            "scale": os.environ.get("SLT_SCALE", "quick"),
            "started": _now(),
            "status": "running",
        }
        title = os.environ.get("SLT_WORKBOOK_TITLE")
        if title and "title" not in nb.metadata:
            nb.metadata["title"] = title
        try:
            result = super().preprocess(nb, resources, km)
        except Exception as exc:  # any failure: cell error, timeout, dead kernel, kernel not found
            error = self._describe_failure(nb, exc)
            meta.update(status="failed", error=error)
            self._finish(nb, meta, started)
            self._print_failure(error)
            partial = os.environ.get("SLT_WORKBOOK_PARTIAL")
            if partial:
                nbformat.write(nb, partial)
            self._write_report(meta)
            if os.environ.get("SLT_WORKBOOK_REPORT"):
                raise SystemExit(1)
            raise
        meta["status"] = "ok"
        self._finish(nb, meta, started)
        self._write_report(meta)
        return result

    # -- progress --------------------------------------------------------------

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        self._code_seen += 1
        self._cell_index = index
        self._line_buffer = ""
        _say("  ┌ cell {}/{} · {}".format(self._code_seen, self._code_cells, _first_line(cell.source)))
        t0 = time.monotonic()
        try:
            return super().preprocess_cell(cell, resources, index)
        finally:
            # tslab publishes no execute_input message, so nbclient never learns the
            # execution count and the HTML would show "In [ ]" everywhere.
            if cell.get("execution_count") is None:
                cell["execution_count"] = self._code_seen
            self._flush_lines(final=True)
            _drop_transient(cell)
            dt = time.monotonic() - t0
            self._timings.append({"cell": index + 1, "seconds": round(dt, 3)})
            _say("  └ {:.1f}s".format(dt))

    def process_message(self, msg, cell, cell_index):
        out = super().process_message(msg, cell, cell_index)
        kind = msg.get("msg_type")
        content = msg.get("content", {})
        if kind == "stream":
            self._line_buffer += content.get("text", "")
            self._flush_lines(final=False)
        elif kind in ("display_data", "execute_result", "update_display_data"):
            self._flush_lines(final=True)
            data = content.get("data", {})
            if "text/html" in data:
                size = len(data["text/html"])
                what = "chart" if "slt-plot" in data["text/html"] else "html"
                _say("  │ [{} output, {:,} bytes]".format(what, size))
            elif data:
                _say("  │ [{} output]".format(", ".join(sorted(data))))
        return out

    def _flush_lines(self, final):
        if not self._line_buffer:
            return
        *complete, rest = self._line_buffer.split("\n")
        # Hold an unterminated last line until more text (or the cell's end) arrives.
        if final and rest:
            complete.append(rest)
            rest = ""
        self._line_buffer = rest
        for line in complete:
            _say("  │ " + line.rstrip("\r").replace("\x1b[2m", "").replace("\x1b[0m", ""))

    # -- failure reporting -----------------------------------------------------

    def _describe_failure(self, nb, exc):
        index = self._cell_index
        cell = nb.cells[index] if index is not None and index < len(nb.cells) else None
        if isinstance(exc, CellTimeoutError):
            kind = "timeout"
        elif isinstance(exc, DeadKernelError):
            kind = "dead-kernel"
        elif isinstance(exc, CellExecutionError):
            kind = "cell-error"
        else:
            kind = "runner-error"
        message = ""
        if cell is not None and kind != "runner-error":
            message = _stream_text(cell, "stderr").strip() or _error_outputs(cell).strip()
        if kind == "timeout" and message.startswith("Error: Interrupted asynchronously"):
            # tslab's own stack for the interrupt that nbclient sends on timeout: noise.
            message = ""
        if kind == "cell-error" and not message:
            evalue = getattr(exc, "evalue", "")
            ename = getattr(exc, "ename", "")
            if evalue or (ename and ename != "<Error>"):
                message = "{}: {}".format(ename, evalue)
        if kind in ("timeout", "dead-kernel", "runner-error"):
            summary = str(exc).strip().splitlines()
            head = {
                "timeout": "Cell timed out after {} s (raise it with --timeout).".format(self.timeout),
                "dead-kernel": "The kernel died (crash or out of memory).",
                "runner-error": "{}: {}".format(type(exc).__name__, summary[0] if summary else ""),
            }[kind]
            message = head + ("\n" + message if message else "")
        if not message:
            message = "(the kernel reported an error but printed no message)"
        info = {"kind": kind, "message": ANSI.sub("", message)}
        if cell is not None:
            lines = cell.source.splitlines()
            info.update(
                cell=index + 1,
                codeCell=self._code_seen,
                cells=len(nb.cells),
                source="\n".join(lines[:SOURCE_EXCERPT_LINES]) + ("\n…" if len(lines) > SOURCE_EXCERPT_LINES else ""),
            )
        return info

    def _print_failure(self, error):
        _say("")
        if "cell" in error:
            _say(
                "  ✖ {} in cell {} of {} (code cell {}/{}):".format(
                    error["kind"], error["cell"], error["cells"], error["codeCell"], self._code_cells
                )
            )
            for line in error["source"].splitlines():
                _say("  │   " + line)
        else:
            _say("  ✖ {}:".format(error["kind"]))
        _say("  │ error:")
        for line in error["message"].splitlines():
            _say("  │   " + line)
        _say("")

    def _provenance(self, nb):
        # What the runner knows (commit, tfjs, scale, store, date), plus the backends and runs
        # the charts name (src/plot's provenance line under each chart).
        try:
            prov = json.loads(os.environ.get("SLT_WORKBOOK_PROVENANCE", "") or "{}")
        except ValueError:
            prov = {}
        backends, runs = [], []
        for cell in nb.cells:
            for o in cell.get("outputs", []):
                html = o.get("data", {}).get("text/html", "")
                if isinstance(html, list):
                    html = "".join(html)
                for b in PROV_BACKENDS.findall(html):
                    backends.extend(x for x in b.split() if x not in backends)
                for r in PROV_RUNS.findall(html):
                    runs.extend(x for x in r.split() if x not in runs)
        prov["backends"] = backends
        prov["runs"] = len(runs)
        return prov

    def _finish(self, nb, meta, started):
        meta["finished"] = _now()
        meta["seconds"] = round(time.monotonic() - started, 3)
        meta["codeCells"] = self._code_cells
        meta["executed"] = self._code_seen
        meta["cellSeconds"] = self._timings
        if nb.metadata.get("title"):
            meta["title"] = nb.metadata["title"]
        meta["provenance"] = self._provenance(nb)
        # The HTML template reads this to draw its status banner.
        nb.metadata["slt_workbook"] = meta

    def _write_report(self, meta):
        path = os.environ.get("SLT_WORKBOOK_REPORT")
        if path:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(meta, f, indent=2)


c = get_config()  # noqa: F821 (injected by traitlets when loading a config file)

# Put the subclass where nbconvert's own ExecutePreprocessor sits, so `--execute`
# (ExecutePreprocessor.enabled=True, inherited through the class hierarchy)
# switches it on and the stock one is never registered.
c.Exporter.default_preprocessors = [
    WorkbookExecutePreprocessor if p == "nbconvert.preprocessors.ExecutePreprocessor" else p
    for p in Exporter.class_traits()["default_preprocessors"].default()
]
# Fail on the first error; `--allow-errors` must never turn a broken notebook green.
c.ExecutePreprocessor.allow_errors = False
c.ExecutePreprocessor.force_raise_errors = True
# tslab answers a failed cell with an empty error and sends the real message on stderr; nbclient
# waits only iopub_timeout (default 4 s) for it after the reply. A kernel slow to send it (seen once
# after a 40-minute training cell at standard scale) then fails the page with no message at all.
c.ExecutePreprocessor.iopub_timeout = 60
