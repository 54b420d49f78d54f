"""Executes one notebook with nbclient and writes the executed copy and an HTML export.

Run by scripts/notebooks/runner.ts with the project venv's python. Progress and the result go
to stdout as JSON lines ({"event": ...}); the caller prints them. Never writes over the input.
"""

import argparse
import json
import os
import sys
import time
import traceback

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter
from nbformat.sign import NotebookNotary


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def output_text(output):
    """The text a person needs from one output: streams, error name/value/traceback, text/plain."""
    kind = output.get("output_type")
    if kind == "stream":
        return {"type": "stream", "name": output.get("name"), "text": output.get("text", "")}
    if kind == "error":
        return {
            "type": "error",
            "ename": output.get("ename", ""),
            "evalue": output.get("evalue", ""),
            "traceback": "\n".join(output.get("traceback", [])),
        }
    data = output.get("data", {})
    return {"type": kind, "text": data.get("text/plain", "") if isinstance(data.get("text/plain", ""), str) else ""}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--output-ipynb", required=True)
    ap.add_argument("--output-html", required=True)
    ap.add_argument("--kernel", default="tslab")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    ap.add_argument("--cwd", required=True)
    args = ap.parse_args()

    for out in (args.output_ipynb, args.output_html):
        if os.path.realpath(out) == os.path.realpath(args.input):
            emit("result", ok=False, fatal="refusing to write the executed notebook over its source")
            return 2

    nb = nbformat.read(args.input, as_version=4)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    started = time.monotonic()
    timings = {"kernel_ready": None}
    cell_started = {}
    failed = {"index": None}

    def on_notebook_start(notebook):
        timings["kernel_ready"] = time.monotonic() - started
        emit("kernel_ready", seconds=timings["kernel_ready"])

    def on_cell_start(cell, cell_index):
        cell_started[cell_index] = time.monotonic()

    def on_cell_executed(cell, cell_index, execute_reply):
        if cell.cell_type != "code":
            return
        emit(
            "cell",
            index=cell_index,
            done=code_cells.index(cell_index) + 1,
            total=len(code_cells),
            seconds=time.monotonic() - cell_started.get(cell_index, started),
            status=(execute_reply or {}).get("content", {}).get("status", "ok"),
        )

    def on_cell_error(cell, cell_index, execute_reply):
        if failed["index"] is None:
            failed["index"] = cell_index

    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.timeout,
        startup_timeout=120,
        allow_errors=False,
        record_timing=False,
        resources={"metadata": {"path": args.cwd}},
        on_notebook_start=on_notebook_start,
        on_cell_start=on_cell_start,
        on_cell_executed=on_cell_executed,
        on_cell_error=on_cell_error,
    )

    fatal = None
    try:
        client.execute()
    except CellTimeoutError as e:
        fatal = f"a cell ran longer than {args.timeout}s: {e}"
    except DeadKernelError as e:
        fatal = f"the kernel died: {e}"
    except CellExecutionError:
        pass  # details come from the failing cell's outputs below
    except Exception as e:  # kernel could not start, bad notebook, ...
        fatal = f"{type(e).__name__}: {e}"
        sys.stderr.write(traceback.format_exc())

    failure = None
    if failed["index"] is None and fatal is not None:
        # A timeout or dead kernel has no error reply: blame the last cell that started.
        failed["index"] = max(cell_started) if cell_started else None
    if failed["index"] is not None:
        cell = nb.cells[failed["index"]]
        failure = {
            "index": failed["index"],
            "number": code_cells.index(failed["index"]) + 1 if failed["index"] in code_cells else None,
            "source": cell.source,
            "outputs": [output_text(o) for o in cell.get("outputs", [])],
        }

    # The executed copy is written on failure too: it shows everything up to the failing cell.
    nbformat.write(nb, args.output_ipynb)
    try:
        # Outputs made here are trusted like outputs made in JupyterLab (charts run their scripts).
        notary = NotebookNotary()
        notary.sign(nb)
    except Exception as e:
        sys.stderr.write(f"could not sign the executed notebook: {e}\n")
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    with open(args.output_html, "w", encoding="utf-8") as f:
        f.write(html)

    ok = fatal is None and failure is None
    emit(
        "result",
        ok=ok,
        seconds=time.monotonic() - started,
        kernel_ready_seconds=timings["kernel_ready"],
        cells=len(code_cells),
        fatal=fatal,
        failure=failure,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
