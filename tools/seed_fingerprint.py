"""Fingerprint of the seed article's wording, so the copied-wording guard runs on any machine.

The seed article (``../shared/seed/article.txt``) sits beside the repository on the machines the course
is written on, not in it: the course must not carry its text. What the guard in
``tests/test_seed_corrections.py`` needs is only whether a run of six words in a lesson also occurs in the
article, and a set of hashes of the article's six-word runs answers that without holding the words.

    python tools/seed_fingerprint.py            # rewrite tests/fixtures/seed_shingles.txt from the article
    python tools/seed_fingerprint.py --check    # exit 1 if the stored fingerprint is out of date

The file starts with ``#`` header lines (the article's SHA-256, the run length, the count) and then holds
one 16-hex-digit hash per line, sorted, so a change to the article shows as a readable diff.
"""

import argparse
import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = ROOT.parent / "shared" / "seed" / "article.txt"
FINGERPRINT = ROOT / "tests" / "fixtures" / "seed_shingles.txt"
SHINGLE_WORDS = 6
HASH_DIGITS = 16  # 64 bits: a chance collision among a few thousand runs is about 1 in 10^12


def words(text):
    """Lower-case word tokens; punctuation and line breaks do not count."""
    return re.findall(r"[a-z0-9']+", text.lower())


def shingles(text, *, size=SHINGLE_WORDS):
    """Every run of ``size`` consecutive words of ``text``, each joined by single spaces."""
    tokens = words(text)
    return {" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)}


def shingle_hash(shingle):
    """The stored form of one run of words: the first digits of its SHA-256."""
    return hashlib.sha256(shingle.encode("utf-8")).hexdigest()[:HASH_DIGITS]


def hashed_shingles(text, *, size=SHINGLE_WORDS):
    """Map each hash to its run of words, for the runs of ``text`` (so a match can be reported in words)."""
    return {shingle_hash(s): s for s in shingles(text, size=size)}


def render(article_text):
    """The fingerprint file's text for ``article_text``."""
    hashes = sorted(hashed_shingles(article_text))
    digest = hashlib.sha256(article_text.encode("utf-8")).hexdigest()
    header = [
        "# Hashes of the seed article's six-word runs (tools/seed_fingerprint.py writes this file).",
        f"# article-sha256: {digest}",
        f"# words-per-run: {SHINGLE_WORDS}",
        f"# count: {len(hashes)}",
    ]
    return "\n".join(header + hashes) + "\n"


def load(path=FINGERPRINT):
    """Read a fingerprint file: return ``(header, hashes)``; raise ValueError naming the file and line."""
    header, hashes = {}, set()
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("#"):
            key, sep, value = line[1:].partition(":")
            if sep and key.strip() in ("article-sha256", "words-per-run", "count"):
                header[key.strip()] = value.strip()
            continue
        if not re.fullmatch(f"[0-9a-f]{{{HASH_DIGITS}}}", line):
            raise ValueError(f"{path}: line {number}: expected {HASH_DIGITS} hex digits, found {line!r}")
        hashes.add(line)
    for key in ("article-sha256", "words-per-run", "count"):
        if key not in header:
            raise ValueError(f"{path}: header line '# {key}: ...' is missing")
    if int(header["words-per-run"]) != SHINGLE_WORDS:
        raise ValueError(f"{path}: words-per-run is {header['words-per-run']}, the guard uses {SHINGLE_WORDS}")
    if int(header["count"]) != len(hashes):
        raise ValueError(f"{path}: header says {header['count']} hashes, the file holds {len(hashes)}")
    return header, hashes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the article; do not write")
    parser.add_argument("--article", type=Path, default=SEED_ARTICLE, help="the seed article (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.article.is_file():
        print(f"seed article not found: {args.article}", file=sys.stderr)
        return 2
    text = render(args.article.read_text(encoding="utf-8"))
    if args.check:
        current = FINGERPRINT.read_text(encoding="utf-8") if FINGERPRINT.is_file() else ""
        if current != text:
            print(f"{FINGERPRINT.relative_to(ROOT)} is out of date: run python tools/seed_fingerprint.py",
                  file=sys.stderr)
            return 1
        print(f"{FINGERPRINT.relative_to(ROOT)} matches {args.article}")
        return 0
    FINGERPRINT.write_text(text, encoding="utf-8")
    count = sum(1 for line in text.splitlines() if not line.startswith("#"))
    print(f"wrote {FINGERPRINT.relative_to(ROOT)} ({count} hashes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
