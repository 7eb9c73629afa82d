"""``make bench``: speed and memory of extraction, as ratios against baselines measured
in the same run (absolute times on these machines drift; ratios hold).

Prints words per second of the default pipeline (one process, and ``n_process=2``)
beside spaCy's blank English tokeniser on the same generated text (timed over rounds of
about the same length: see ``tokeniser_passes``), and the peak resident memory of
extracting it.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time

import spacy

STOCK_MODEL_WPS = 5_900  # spaCy's small English model here (MEASUREMENTS.md)
WORDS = 200_000
ROUNDS = 5
TOKENISER_PASSES = 10  # a tokeniser round about as long as a pipeline round

TEMPLATES = [
    "{actor} targeted {sector} in {state} in {month} {year}.",
    "In {month} {year}, {org} sanctioned {actor} for its attacks on {sector}.",
    "{actor}, a unit of the Reconnaissance General Bureau, relies on {technique} and {technique2}.",
    "According to {org}, {actor} used {malware} against {sector} and {sector2}.",
    "There is no evidence that {actor} targeted {sector} in {state}.",
    "Analysts in {state} say the revenue from {technique} helps fund the ballistic "
    "missile programme.",
    "The campaign was attributed to {actor} by investigators from {org} and {state}.",
    "Officials described a steady expansion in both ambition and reach since {year}, with "
    "operators probing networks across {state} and {state2} before moving on to new targets.",
]
FILL = {
    "actor": ["Lazarus Group", "Kimsuky", "Andariel", "APT38", "APT37", "APT28", "Sandworm"],
    "sector": [
        "banks",
        "think tanks",
        "cryptocurrency exchanges",
        "hospitals",
        "defense contractors",
    ],
    "state": ["South Korea", "Japan", "the United States", "Vietnam", "Germany", "India"],
    "org": ["the FBI", "OFAC", "the UN Panel of Experts", "the Ministry of Foreign Affairs"],
    "technique": ["spear-phishing", "cryptocurrency theft", "ransomware", "money laundering"],
    "malware": ["WannaCry", "AppleJeus", "RokRAT", "Maui", "Manuscrypt"],
    "month": ["January", "March", "June", "September", "December"],
    "year": [str(y) for y in range(2009, 2025)],
}


def corpus(words: int, seed: int = 7) -> list[str]:
    """Documents of ~300 words of generated prose, ``words`` in all."""
    rng = random.Random(seed)
    docs, current, count = [], [], 0
    while count < words:
        values = {k: rng.choice(v) for k, v in FILL.items()}
        values |= {k + "2": rng.choice(v) for k, v in FILL.items()}
        sentence = rng.choice(TEMPLATES).format(**values)
        current.append(sentence)
        count += len(sentence.split())
        if len(current) >= 25:
            docs.append(" ".join(current))
            current = []
    if current:
        docs.append(" ".join(current))
    return docs


def words_per_second(run, docs: list[str]) -> float:  # type: ignore[no-untyped-def]
    total = sum(len(d.split()) for d in docs)
    start = time.perf_counter()
    run(docs)
    return total / (time.perf_counter() - start)


def tokeniser_passes(docs: list[str]) -> list[float]:
    """Seconds of each of TOKENISER_PASSES passes of spaCy's blank English tokeniser over
    ``docs``, each by a new blank pipeline (made outside the timing), so that its caches
    are as cold as the first one's.

    One pass takes a fifteenth of a pipeline round, and the fastest of a few such short
    timings is a burst of the machine more than its rate: in runs here it was 10-50%
    above the rate of ten passes in a row. A round of ten passes lasts about as long as
    a pipeline round; the ratio to the fastest single pass is printed too.
    """
    seconds = []
    for _ in range(TOKENISER_PASSES):
        tokenise = spacy.blank("en")
        start = time.perf_counter()
        kept = [tokenise(d) for d in docs]  # kept, as the pipeline's docs are
        seconds.append(time.perf_counter() - start)
        del kept
    return seconds


def peak_rss_mb() -> float:
    """Peak RSS of extracting the corpus, in a fresh process.

    Read from the process's own high-water mark (VmHWM): Linux carries ``ru_maxrss``
    across exec, so it would count the memory of this process at the fork.
    """
    code = (
        "import re, tests.bench as b; from extract.pipeline import build_nlp; "
        "nlp = build_nlp(); [None for _ in nlp.pipe(b.corpus(b.WORDS))]; "
        "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def main() -> int:
    import extract
    from extract.pipeline import build_nlp

    docs = corpus(WORDS)
    words = sum(len(d.split()) for d in docs)
    nlp = build_nlp()
    list(nlp.pipe(docs[:5]))  # warm up
    # the best of interleaved rounds: on these shared machines one round of either can
    # be a third slower than the next, for reasons of their own
    tokeniser = fastest_pass = single = 0.0
    for _ in range(ROUNDS):
        passes = tokeniser_passes(docs)
        tokeniser = max(tokeniser, words * len(passes) / sum(passes))
        fastest_pass = max(fastest_pass, words / min(passes))
        single = max(single, words_per_second(lambda ds: list(nlp.pipe(ds)), docs))
    # spaCy hands each process whole batches (1,000 texts by default: all of this corpus
    # would go to one process), so the batches are made small enough to share
    double = words_per_second(lambda ds: list(nlp.pipe(ds, n_process=2, batch_size=16)), docs)
    # the same text as one long report: rules that compare every name with every other
    # show here first
    whole = words_per_second(lambda ds: nlp("\n\n".join(ds)), docs)
    rss = peak_rss_mb()
    print(
        f"extraction speed on {words:,} generated words ({len(docs)} documents),"
        f" best of {ROUNDS} rounds; rule modules {extract.MODE} (extract.compiled)"
    )
    print(
        f"  blank English tokeniser       {tokeniser:>10,.0f} words/s"
        f" ({TOKENISER_PASSES} passes a round; fastest single pass {fastest_pass:,.0f})"
    )
    print(f"  default pipeline, 1 process   {single:>10,.0f} words/s")
    print(f"  default pipeline, 2 processes {double:>10,.0f} words/s")
    print(f"  ratio pipeline / tokeniser    {single / tokeniser:>10.3f}  (target >= 0.07)")
    print(f"  ratio to the fastest pass     {single / fastest_pass:>10.3f}")
    print(
        f"  ratio pipeline / stock model  {single / STOCK_MODEL_WPS:>10.1f}x (target >= 15x;"
        f" stock model {STOCK_MODEL_WPS:,} words/s as measured in MEASUREMENTS.md)"
    )
    print(f"  ratio 2 processes / 1         {double / single:>10.2f}")
    print(f"  one document of all the text  {whole:>10,.0f} words/s")
    print(f"  ratio one document / many     {whole / single:>10.2f}")
    print(f"  peak RSS extracting the corpus {rss:>9.0f} MB (target < 300 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
