"""PDF/UA-1 structure WeasyPrint 70 leaves out (adapts the pinned version)."""


def install() -> None:
    """Patch WeasyPrint's PDF writer; idempotent."""
