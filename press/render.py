"""HTML to PDF with WeasyPrint, in-process, sandboxed, deterministic.

A ``Renderer`` is created once per process and keeps WeasyPrint warm: one
``FontConfiguration`` shared by every document, and a cache of fetched files. Its fetcher
serves only files inside the project's ``handouts/`` and ``styles/`` folders and records
each one it serves (with a content hash) so the build knows what a PDF depends on.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

# The project's sources, plus the field fonts the build itself derives from system fonts.
ALLOWED_FOLDERS = ("handouts", "styles", "dist/.press/fonts")


@dataclass(frozen=True)
class RenderJob:
    """Plain, picklable data: one HTML document to render to one PDF."""

    root: str  # absolute project root
    html: str  # the exact HTML to render
    html_path: str  # where the HTML would live (relative); its folder is the base URL
    source: str  # the source file to name in errors (relative)
    pdf_forms: bool = False
    # Tagged PDF/UA; pack parts too, since a pack merges its parts' structure trees.
    pdf_tags: bool = True
    # (href as written in the HTML's <link>, project-relative path): stylesheets the
    # renderer parses once per process and shares between documents, instead of letting
    # WeasyPrint fetch and parse them again for every document.
    stylesheets: tuple[tuple[str, str], ...] = ()


@dataclass
class RenderResult:
    pdf: bytes
    pages: int = 0
    reads: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # what WeasyPrint could not load


class SandboxRefusal(ValueError):
    """A URL outside the sandbox; WeasyPrint logs it and goes on, and so do we."""


def sandbox_path(root: Path, url: str) -> Path:
    """The project file a URL names, or SandboxRefusal when it is not allowed."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        raise SandboxRefusal(f"only project files may be loaded, not '{url}' ({parts.scheme or 'no'} scheme)")
    if parts.netloc not in ("", "localhost"):
        raise SandboxRefusal(f"remote file '{url}' is not allowed")
    path = Path(url2pathname(unquote(parts.path))).resolve()
    for folder in ALLOWED_FOLDERS:
        base = (root / folder).resolve()
        if path.is_relative_to(base):
            return path
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    raise SandboxRefusal(f"'{shown}' is outside handouts/ and styles/ and may not be loaded")


class _FileCache:
    """Project files a renderer has read, with their hashes. A renderer lives as long as
    its process, which in watch mode spans builds: a file changed since is read again."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[tuple[int, int], bytes, str]] = {}

    def read(self, path: Path, rel: str) -> tuple[bytes, str]:
        """The file's bytes and SHA-256; OSError if it cannot be read."""
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        hit = self._files.get(rel)
        if hit is None or hit[0] != stamp:
            data = path.read_bytes()
            hit = (stamp, data, hashlib.sha256(data).hexdigest())
            self._files[rel] = hit
        return hit[1], hit[2]


def _make_fetcher(root: Path, result: RenderResult, files: _FileCache) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from .cache import named_by_hash

    class SandboxFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            try:
                path = sandbox_path(root, url)
            except SandboxRefusal as exc:
                result.refused.append(str(exc))
                raise
            rel = path.relative_to(root).as_posix()
            try:
                data, digest = files.read(path, rel)
            except OSError as exc:
                result.refused.append(f"cannot read '{rel}': {exc.strerror}")
                raise SandboxRefusal(rel) from None
            result.reads[rel] = named_by_hash(rel) or digest
            mime = mimetypes.guess_type(rel)[0] or "application/octet-stream"
            return URLFetcherResponse(url, data, {"Content-Type": mime})

    return SandboxFetcher()


class _Collect(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


class Renderer:
    """A warm WeasyPrint: create once per process, call ``render`` for each job."""

    def __init__(self) -> None:
        # Fixed dates: nothing in a PDF may depend on when it was built.
        os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
        from weasyprint.text.fonts import FontConfiguration

        from . import pdfua, textlayer

        textlayer.install()
        pdfua.install()

        self.font_config = FontConfiguration()
        self._files = _FileCache()
        self._sheets: dict[tuple[str, str], tuple[Any, RenderResult]] = {}

    def _stylesheet(self, root: Path, rel: str) -> tuple[Any, RenderResult]:
        """A parsed stylesheet, shared by every document that links the same bytes.

        WeasyPrint applies it with user origin rather than author origin; the templates'
        own <style> rules are written to win on specificity or order either way, so the
        kept HTML renders the same with the ``weasyprint`` command (tested byte for byte).
        """
        from weasyprint import CSS

        path = sandbox_path(root, (root / rel).as_uri())
        data, digest = self._files.read(path, rel)
        key = (rel, digest)
        if key not in self._sheets:
            # What the stylesheet itself fetches (url() values) is recorded once, here,
            # and added to the reads of every document that uses it.
            reads = RenderResult(pdf=b"", reads={rel: key[1]})
            fetcher = _make_fetcher(root, reads, self._files)
            css = CSS(string=data.decode("utf-8"), base_url=path.as_uri(), url_fetcher=fetcher, font_config=self.font_config)
            self._sheets[key] = (css, reads)
        return self._sheets[key]

    def render(self, job: RenderJob) -> RenderResult:
        from weasyprint import HTML

        root = Path(job.root)
        result = RenderResult(pdf=b"")
        base_url = (root / job.html_path).as_uri()
        fetcher = _make_fetcher(root, result, self._files)
        logger = logging.getLogger("weasyprint")
        handler = _Collect(result.warnings)
        logger.addHandler(handler)
        try:
            source, sheets = job.html, []
            for href, rel in job.stylesheets:
                link = f'<link rel="stylesheet" href="{href}">'
                if link not in source:
                    continue  # not linked as expected: let WeasyPrint load it as usual
                source = source.replace(link, "", 1)
                css, sheet_reads = self._stylesheet(root, rel)
                sheets.append(css)
                result.reads.update(sheet_reads.reads)
                result.refused.extend(sheet_reads.refused)
            html = HTML(string=source, base_url=base_url, url_fetcher=fetcher)
            # PDF/UA-1: XMP with the identifier, title and language (see press/pdfua.py).
            variant = {"pdf_variant": "pdf/ua-1"} if job.pdf_tags else {}
            # pdf_forms and pdf_tags shape layout, so they go to render(), not write_pdf().
            document = html.render(font_config=self.font_config, pdf_forms=job.pdf_forms, pdf_tags=job.pdf_tags, stylesheets=sheets, **variant)
            result.pages = len(document.pages)
            # No /ID (optional outside encrypted PDFs): pydyf derives it by serializing and
            # compressing every stream a second time, 10 % of the render of a handout.
            # Same input, same bytes either way.
            result.pdf = document.write_pdf(pdf_forms=job.pdf_forms, pdf_tags=job.pdf_tags, uncompressed_pdf=False, **variant)
        finally:
            logger.removeHandler(handler)
        # Refusals are reported as errors; drop WeasyPrint's own echo of them.
        result.warnings = [w for w in result.warnings if not any(r in w for r in result.refused) and "SandboxRefusal" not in w]
        # Anything else WeasyPrint could not load (a damaged image or font a stylesheet
        # names) would be silently missing from the page: it fails the document instead.
        result.failed = [w for w in result.warnings if "Failed to load" in w]
        result.warnings = [w for w in result.warnings if w not in result.failed]
        return result
