"""Python's cyclic garbage collector kept to the young objects while a document is built.

A PDF render or a workbook makes tens or hundreds of thousands of objects that stay alive until
the document is written: openpyxl's cells (each pointing back to its sheet, so a workbook is one
big cycle), WeasyPrint's boxes. With the collector running, the young collections made while
they are alive find them reachable and promote them to the old generation; every few such
requests that sets off a collection of the whole heap (every object of Django, of the app and of
the libraries: 60-150 ms in a server's process, more as the process grows), in whichever request
comes next. That was the slowest tenth of the xlsx and PDF requests: p50 ≈ 150 ms, p95 ≈ 310 ms
for a province's activity-report xlsx, whose build promoted enough to start a full collection
every third request (docs/PERFORMANCE.md, sixth session).

`young_collections_only()` pauses the collector for the block (a view, a render) and then
collects the young generations only: the document's objects, garbage once it is written, are
freed there without having been promoted, and no whole-heap pass runs inside the block. It
nests (an inner block leaves the work to the outer one) and restores the collector's state;
it is also a decorator (`@young_collections_only()`).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def young_collections_only() -> Iterator[None]:
    """The collector paused during the block, then run on generations 0 and 1 only."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(1)
