"""Handout Press command line: parses options and calls one engine function per command.

Engine modules are imported inside each command so that ``--help`` stays instant.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

_PROJECT = click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder (holds pipeline.yaml).",
)


_SCHEDULER = click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT",
    help="Render on this Dask cluster's workers instead of local processes (default: pipeline.yaml's executor).",
)


_VARIANT = click.option(
    "--variant",
    "variants",
    multiple=True,
    metavar="NAME",
    help="Make only this variant: client, professional or large-print (repeatable); default: pipeline.yaml's variants.",
)


def _scheduler(value: str | None) -> str | None:
    from press.errors import PressError, Problem
    from press.project import valid_scheduler

    if value is not None and not valid_scheduler(value):
        raise PressError([Problem("--scheduler", 0, f"'{value}' is not a Dask scheduler address; use tcp://HOST:PORT")])
    return value


class PressGroup(click.Group):
    """Turns engine errors into located messages and a non-zero exit, without tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        from press.errors import PressError

        try:
            return super().invoke(ctx)
        except PressError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            count = len(exc.problems)
            click.echo(f"{count} problem{'s' if count != 1 else ''} found; nothing was changed for the failing items.", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("\ninterrupted: finished outputs are kept and recorded; the next build makes the rest.", err=True)
            ctx.exit(130)


class _Progress:
    """A progress bar on a terminal, shown only once there is rendering to do."""

    def __init__(self) -> None:
        self._bar: Any = None

    def advance(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="rendering", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


@click.group(cls=PressGroup)
@click.version_option(package_name=None, version="0.1.0", prog_name="Handout Press")
def cli() -> None:
    """Handout Press: build multilingual print PDFs of patient handouts."""


@cli.command()
@_PROJECT
@click.option("--only", "only", multiple=True, metavar="ID", help="Build only this resource (repeatable).")
@click.option("--lang", "languages", multiple=True, metavar="L", help="Build only this language (repeatable).")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default=None, help="Paper size; default from pipeline.yaml.")
@click.option("--force", is_flag=True, help="Rebuild every selected output even if it is up to date.")
@click.option("--keep-html", is_flag=True, help="Also write the exact HTML given to WeasyPrint to dist/html/<lang>/<id>.html.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Parallel render workers; default: number of cores.")
@click.option("--explain", is_flag=True, help="Print why each output is, or is not, rebuilt.")
@click.option("--allow-incomplete", is_flag=True, help="Build drafts from incomplete translations; untranslated passages print in English, marked.")
@_VARIANT
@_SCHEDULER
def build(
    project: Path, only: tuple[str, ...], languages: tuple[str, ...], paper: str | None, force: bool, keep_html: bool, jobs: int | None, explain: bool, allow_incomplete: bool,
    variants: tuple[str, ...], scheduler: str | None,
) -> None:
    """Build the PDFs that are out of date into dist/."""
    from press.build import build as run_build
    from press.targets import BuildOptions

    options = BuildOptions(only, languages, paper, force, keep_html, jobs or os.cpu_count() or 1, explain, allow_incomplete, scheduler=_scheduler(scheduler), variants=variants)
    progress = _Progress()
    try:
        summary = run_build(project, options, say=lambda m: click.echo(m, err=True), progress=progress.advance)
    finally:
        progress.close()
    for warning in summary.warnings:
        click.echo(warning, err=True)
    if not explain:
        for line in summary.skipped_by_language():
            click.echo(line, err=True)
    click.echo(summary.line())


@cli.command()
@_PROJECT
@click.argument("pack_id", metavar="ID")
@click.option("--lang", "languages", multiple=True, metavar="L", help="Language of the pack (repeatable); default: every language in pipeline.yaml.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default=None, help="Paper size; default from pipeline.yaml.")
@click.option("--force", is_flag=True, help="Rebuild the pack and its resources even if they are up to date.")
@click.option("--allow-incomplete", is_flag=True, help="Build a draft even if a translation is incomplete.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Parallel render workers; default: number of cores.")
@_VARIANT
@_SCHEDULER
def pack(project: Path, pack_id: str, languages: tuple[str, ...], paper: str | None, force: bool, allow_incomplete: bool, jobs: int | None, variants: tuple[str, ...], scheduler: str | None) -> None:
    """Build one pack (cover, contents, resources, bibliography) into dist/packs/<lang>/."""
    from press.build import build as run_build
    from press.packs import resources_of
    from press.targets import BuildOptions

    only = resources_of(project, pack_id)
    options = BuildOptions(only, languages, paper, force, False, jobs or os.cpu_count() or 1, False, allow_incomplete, (pack_id,), _scheduler(scheduler), variants)
    summary = run_build(project, options, say=lambda m: click.echo(m, err=True))
    for line in summary.skipped_by_language():
        click.echo(line, err=True)
    click.echo(summary.line())


@cli.command()
@_PROJECT
@click.option("--lang", "languages", multiple=True, metavar="L", help="Rebuild only this language (repeatable); default: pipeline.yaml.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Parallel render workers; default: number of cores.")
@click.option("--allow-incomplete", is_flag=True, help="Rebuild drafts from incomplete translations too.")
@_VARIANT
@_SCHEDULER
def watch(project: Path, languages: tuple[str, ...], jobs: int | None, allow_incomplete: bool, variants: tuple[str, ...], scheduler: str | None) -> None:
    """Rebuild what each saved change affects, printing what was rebuilt and any errors."""
    from press.targets import BuildOptions
    from press.watch import watch as run_watch

    options = BuildOptions((), languages, None, False, False, jobs or os.cpu_count() or 1, False, allow_incomplete, scheduler=_scheduler(scheduler), variants=variants)
    run_watch(project, options, say=lambda m: click.echo(m, err=True))


@cli.command(name="release")
@_PROJECT
@click.argument("profile", metavar="PROFILE")
@click.option("--version", "version", required=True, metavar="V", help="Release version, e.g. 2026.11; names the bundle <PROFILE>-<V>.")
@click.option("--override-gates", is_flag=True, help="Release despite failed gates; the release notes list them.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Judge review dates as of this day (YYYY-MM-DD); default: today.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Parallel render workers; default: number of cores.")
@_SCHEDULER
def release_command(project: Path, profile: str, version: str, override_gates: bool, as_of: Any, jobs: int | None, scheduler: str | None) -> None:
    """Gate, build and bundle a release profile into dist/releases/<PROFILE>-<V>/ and .zip."""
    from press.release import release

    result = release(project, profile, version, override_gates, jobs or os.cpu_count() or 1, say=lambda m: click.echo(m, err=True), as_of=as_of.date() if as_of else None, scheduler=_scheduler(scheduler))
    for reason in result.overridden:
        click.echo(f"gate overridden: {reason}", err=True)
    click.echo(f"{result.zip.relative_to(Path(project).resolve()) if result.zip.is_relative_to(Path(project).resolve()) else result.zip}: {result.files} files, {result.size / 1024:.0f} KB")


@cli.command()
@click.argument("bundle", type=click.Path(exists=True, path_type=Path))
def verify(bundle: Path) -> None:
    """Check a release bundle (folder or zip) against its MANIFEST; exit 1 on any difference."""
    from press.release import verify as run_verify

    report = run_verify(bundle)
    for line in report:
        click.echo(line)
    if report:
        click.echo(f"{len(report)} difference(s) from the MANIFEST", err=True)
        sys.exit(1)
    click.echo(f"ok: {bundle.name} matches its MANIFEST")


@cli.command()
@_PROJECT
def check(project: Path) -> None:
    """Validate settings, handouts, references, figures and worksheets without rendering."""
    from press.errors import PressError
    from press.project import load_project
    from press.references import name_warnings
    from press.validate import validate

    checked = validate(load_project(project), catalogs=True)
    for warning in name_warnings(checked.references):
        click.echo(str(warning), err=True)
    if checked.problems:
        raise PressError(checked.problems)
    click.echo(f"ok: {len(checked.library.handouts)} resources, {len(checked.references.items)} references")


@cli.command(name="list")
@_PROJECT
def list_(project: Path) -> None:
    """List every resource with its kind, edition and languages."""
    from press.listing import rows

    for row in rows(project):
        click.echo("  ".join(row))


@cli.group()
def i18n() -> None:
    """Translation catalogs: extract templates, update catalogs, report status."""


@i18n.command()
@_PROJECT
def extract(project: Path) -> None:
    """Write translations/templates/<id>.pot and ui.pot where their messages changed."""
    from press.i18n import extract_templates

    written = extract_templates(project)
    click.echo(f"{len(written)} template(s) written" + "".join(f"\n  {w}" for w in written))


@i18n.command()
@_PROJECT
@click.option("--lang", "languages", multiple=True, metavar="L", help="Language to create or update (repeatable); default: merge the existing catalogs of every language.")
@click.option("--only", "only", multiple=True, metavar="ID", help="Only this resource's catalog, or 'ui', 'packs' or 'csl' (repeatable).")
def update(project: Path, languages: tuple[str, ...], only: tuple[str, ...]) -> None:
    """Create or merge translations/<lang>/<id>.po; changed source text becomes fuzzy."""
    from press.i18n import update_catalogs

    written = update_catalogs(project, languages, only)
    click.echo(f"{len(written)} catalog(s) written")


@i18n.command()
@_PROJECT
@click.option("--lang", "languages", multiple=True, metavar="L", help="Language to report (repeatable); default: all with catalogs.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None, metavar="PCT", help="Exit 1 if a language is less than PCT percent translated.")
def status(project: Path, languages: tuple[str, ...], as_json: bool, fail_under: float | None) -> None:
    """Per resource and language: complete, stale, partial or missing, with counts."""
    from press.i18n import status_report

    text, failing = status_report(project, languages, as_json, fail_under)
    click.echo(text)
    if failing:
        click.echo(f"below {fail_under}%: {', '.join(failing)}", err=True)
        sys.exit(1)


@i18n.command(name="export")
@_PROJECT
@click.option("--format", "fmt", type=click.Choice(["docx"]), default="docx", show_default=True, help="The document format.")
@click.option("--lang", "language", required=True, metavar="L", help="The language to translate into.")
@click.option("--only", "only", multiple=True, required=True, metavar="ID", help="A resource id, 'packs' or 'ui' (repeatable).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Where to write it (one catalog only); default: dist/translate/<lang>/<id>.docx.")
def export_(project: Path, fmt: str, language: str, only: tuple[str, ...], output: Path | None) -> None:
    """Write a translation template (a Word document) for translators without PO tools."""
    from press.errors import PressError, Problem
    from press.worddoc import export_docx

    if output is not None and len(only) > 1:
        raise PressError([Problem("--output", 0, "names one file: export one catalog at a time with it")])
    for domain in only:
        click.echo(str(export_docx(project, language, domain, output)))


@i18n.command(name="import")
@_PROJECT
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_(project: Path, file: Path) -> None:
    """Merge a translation template back into its catalog, checked first; all or nothing."""
    from press.worddoc import import_docx

    written = import_docx(project, file)
    click.echo(f"{file}: " + (f"merged into {written[0]}" if written else "no change"))


@i18n.command(name="review-copy")
@_PROJECT
@click.option("--lang", "language", required=True, metavar="L", help="The language to review.")
@click.option("--only", "only", multiple=True, metavar="ID", help="Only this resource (repeatable); default: every resource with a catalog in L.")
def review_copy(project: Path, language: str, only: tuple[str, ...]) -> None:
    """Write dist/review/<lang>/<id>.pdf: every passage numbered, English beside the
    translation, its state, and a comment field, for the clinician reviewing it."""
    from press.reviewcopy import write_review_copies

    for path in write_review_copies(project, language, only):
        click.echo(path)


@i18n.command()
@_PROJECT
@click.option("--lang", "language", required=True, metavar="L", help="The language of the catalogs approved.")
@click.option("--only", "only", multiple=True, metavar="ID", help="A resource id, 'packs' or 'ui' (repeatable).")
@click.option("--reviewer", required=True, metavar="NAME", help="Who reviewed the translation, as it should be printed.")
@click.option("--date", "date", default=None, metavar="YYYY-MM-DD", help="The day of the review; default: today.")
@click.option("--note", default="", metavar="TEXT", help="Anything the record should keep (how it was checked).")
def approve(project: Path, language: str, only: tuple[str, ...], reviewer: str, date: str | None, note: str) -> None:
    """Record a clinician's approval in translations/<lang>/reviews.yaml: who, when, the
    English edition, and a fingerprint of every approved passage."""
    from press.i18n import approve as record

    for line in record(project, language, only, reviewer, date, note):
        click.echo(line)


@cli.command()
@_PROJECT
def languages(project: Path) -> None:
    """List the registry's languages: tag, native name, script, direction and status."""
    from press.i18n import language_rows

    for row in language_rows(project):
        click.echo("  ".join(row))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
