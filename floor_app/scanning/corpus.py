"""A folder of sample photos with expected texts (the zxing-cpp test-sample layout).

Used by the corpus test and ``bench/decode.py`` to score decoders on real photos. Each
image ``NAME.png|jpg|webp`` expects the text in ``NAME.txt``, else a ``text=`` line in
``NAME.result.txt``; an image with neither has no expectation and is left out. A folder
named ``falsepositives-*`` holds images with no barcode at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from floor_app.domain import gtin as gtin_math

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


@dataclass(frozen=True)
class Sample:
    path: Path
    expected: str | None  # None in a false-positive folder


def find_corpus(repo_root: Path) -> Path:
    """``<repo>/../shared/barcode-samples/zxing-cpp``, where CI puts the shared corpus."""
    return repo_root.resolve().parent / "shared" / "barcode-samples" / "zxing-cpp"


def is_false_positive_folder(folder: Path) -> bool:
    return folder.name.startswith("falsepositives")


def samples(folder: Path) -> tuple[list[Sample], list[Path]]:
    """The folder's samples, and the images left out for want of an expected text."""
    out: list[Sample] = []
    left_out: list[Path] = []
    negative = is_false_positive_folder(folder)
    for image in sorted(folder.iterdir()):
        if image.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if negative:
            out.append(Sample(image, None))
            continue
        expected = _expected_text(image)
        if expected is None:
            left_out.append(image)
        else:
            out.append(Sample(image, expected))
    return out, left_out


def _expected_text(image: Path) -> str | None:
    txt = image.with_suffix(".txt")
    if txt.is_file():
        return txt.read_bytes().decode("utf-8")
    result = image.with_suffix(".result.txt")
    if result.is_file():
        for line in result.read_text(encoding="utf-8").splitlines():
            if line.startswith("text="):
                return line[len("text=") :]
    return None


def comparable(text: str) -> str:
    """Texts compared as GTINs when they are one (UPC-A read as EAN-13 is the same code)."""
    digits = text.strip()
    if digits.isdigit():
        g = gtin_math.normalize(digits)
        if g is not None:
            return g
    return text


def is_correct(expected: str, texts: Iterable[str]) -> bool:
    want = comparable(expected)
    return any(comparable(t) == want for t in texts)


def folders(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if p.is_dir())
