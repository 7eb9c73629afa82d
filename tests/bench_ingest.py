"""``make bench`` (ingest part): documents and words per second of ``kg ingest`` with 1
and 2 extraction processes, on the same generated corpus, into fresh stores."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench import corpus

KG = str(Path(sys.executable).with_name("kg"))
# run a command in a fresh process and print its peak RSS (KB), alone
PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def main() -> int:
    docs = corpus(words=60_000, seed=13)
    words = sum(len(d.split()) for d in docs)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        for n, text in enumerate(docs):
            (folder / f"doc-{n:04d}.txt").write_text(text, encoding="utf-8")
        seconds = {}
        for jobs in (1, 2):
            store = Path(tmp) / f"store-{jobs}"
            start = time.perf_counter()
            run = subprocess.run(
                [KG, "ingest", "--jobs", str(jobs), str(folder), "--store", str(store)],
                capture_output=True, text=True,
            )  # fmt: skip
            seconds[jobs] = time.perf_counter() - start
            if run.returncode != 0:
                print(run.stderr[-2000:])
                return 1
        for jobs, took in seconds.items():
            print(
                f"kg ingest --jobs {jobs}: {len(docs)} documents, {words:,} words in {took:.1f} s: "
                f"{len(docs) / took:.1f} documents/s, {words / took:,.0f} words/s "
                "(process start and pipeline load included)"
            )
        print(f"  ratio 2 jobs / 1 job: {seconds[1] / seconds[2]:.2f} (2 cores, shared)")
        # memory must not grow with the corpus: a quarter of it, then all of it
        quarter = Path(tmp) / "quarter"
        quarter.mkdir()
        for path in sorted(folder.iterdir())[: len(docs) // 4]:
            (quarter / path.name).write_bytes(path.read_bytes())
        peaks = {}
        for name, source in (("a quarter", quarter), ("all", folder)):
            store = Path(tmp) / f"rss-{name.replace(' ', '-')}"
            run = subprocess.run(
                [sys.executable, "-c", PEAK, KG, "ingest", str(source), "--store", str(store)],
                capture_output=True, text=True,
            )  # fmt: skip
            peaks[name] = int(run.stdout.strip().splitlines()[-1]) / 1024
        print(
            f"peak RSS of kg ingest: {peaks['a quarter']:.0f} MB for a quarter of the corpus, "
            f"{peaks['all']:.0f} MB for all of it (streaming: should not grow)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
