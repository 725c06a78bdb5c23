"""What a build is asked for and what it produces: its options, its targets (one per
output, each with one key), and its summary. Plain data, shared by every stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .packs import Pack
from .sources import Handout
from .variants import CLIENT, Variant

PARTS_DIR = "dist/.press/parts"


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how (the ``build`` command's options)."""

    only: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    paper: str | None = None
    force: bool = False
    keep_html: bool = False
    jobs: int = 1
    explain: bool = False
    allow_incomplete: bool = False
    packs: tuple[str, ...] = ()  # build only these packs (the ``pack`` command)
    scheduler: str | None = None  # a Dask scheduler's address; None: pipeline.yaml's executor
    variants: tuple[str, ...] = ()  # --variant; none: pipeline.yaml's variants


@dataclass(frozen=True)
class Target:
    handout: Handout
    language: str
    output: str  # relative path of the PDF
    draft: bool = False  # built with --allow-incomplete from an incomplete catalog
    part: bool = False  # the handout as a pack part: no page count, stamped per pack
    variant: Variant = CLIENT
    scope: tuple[str, ...] = ()  # a pack part: the works whose list decides its year letters

    @property
    def html_path(self) -> str:
        name = f"{self.language}/{PurePosixPath(self.output).stem}.html"
        return f"{PARTS_DIR}/html/{name}" if self.part else f"dist/html/{name}"


@dataclass(frozen=True)
class PackTarget:
    """One pack PDF: a pack in one language and variant."""

    pack: Pack
    language: str
    draft: bool
    variant: Variant = CLIENT

    @property
    def output(self) -> str:
        return f"dist/packs/{self.language}/{self.pack.id}{self.variant.suffix}.pdf"

    @property
    def skeleton(self) -> str:
        return f"dist/.press/skeletons/{self.language}/{self.pack.id}{self.variant.suffix}.pdf"


@dataclass
class BuildSummary:
    built: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        parts = [f"built {len(self.built)}", f"up to date {len(self.up_to_date)}"]
        if self.skipped:
            parts.append(f"skipped {len(self.skipped)}")
        if self.removed:
            parts.append(f"removed {len(self.removed)}")
        return ", ".join(parts) + f" in {self.seconds:.2f}s"

    def skipped_by_language(self) -> list[str]:
        """One line per language and reason: what was not built and why."""
        counts: dict[tuple[str, str], int] = {}
        for output, reason in self.skipped:
            language = output.split("/")[2]
            counts[(language, reason.split(" (")[0])] = counts.get((language, reason.split(" (")[0]), 0) + 1
        return [f"skipped {n} in {lang}: {reason}" for (lang, reason), n in sorted(counts.items())]


def part_path(language: str, resource: str, variant: Variant = CLIENT, tag: str = "") -> str:
    """A pack part's PDF; ``tag`` names a part that cites with its pack's year letters
    (press/citescope.py)."""
    return f"{PARTS_DIR}/{language}/{resource}{tag}{variant.suffix}.pdf"
