"""The text layer of shaped runs (adapts WeasyPrint 70's text drawing)."""


def install() -> None:
    """Patch WeasyPrint's text drawing; idempotent."""
