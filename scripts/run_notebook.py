"""Executes one notebook with nbclient and the tslab kernel; writes the executed copy.

    .venv/bin/python scripts/run_notebook.py NOTEBOOK OUTPUT [--timeout SECONDS] [--kernel NAME]

The kernel runs in the notebook's own folder (so `import ... from 'expressive-attention'` resolves as
in JupyterLab). OUTPUT may equal NOTEBOOK (execute in place). Cells get execution counts; no timing
metadata is recorded, so re-executing an unchanged notebook changes only what its outputs changed.
On a failing cell (a TypeScript type error or a runtime error) prints the cell number, its first
lines and the kernel's error, and exits with status 1. Used by test/notebooks.test.ts,
test/browser.test.ts and scripts/run-notebooks.mjs.
"""
import argparse
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebook")
    ap.add_argument("output")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell (default 900)")
    ap.add_argument("--kernel", default="tslab", help="kernel name (default tslab)")
    args = ap.parse_args()

    nb = nbformat.read(args.notebook, as_version=4)
    folder = os.path.dirname(os.path.abspath(args.notebook))
    current = {"index": None}

    def on_cell_start(cell, cell_index):
        current["index"] = cell_index

    client = NotebookClient(nb, kernel_name=args.kernel, timeout=args.timeout, record_timing=False,
                            resources={"metadata": {"path": folder}}, on_cell_start=on_cell_start)
    failed = None
    try:
        client.execute()
    except CellExecutionError as err:
        failed = err
    except (CellTimeoutError, DeadKernelError) as err:
        failed = err
    # Write what ran, also after a failure (the error output shows where it stopped).
    nbformat.write(nb, args.output)
    if failed is None:
        return 0
    # (tslab reports errors as stderr text, not as 'error' outputs, so the failing cell is the one
    # that was running.)
    index = current["index"]
    where = f"cell {index} (counting from 0, markdown included)" if index is not None else "starting the kernel"
    print(f"{os.path.basename(args.notebook)}: {where} failed: {str(failed).strip()}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
