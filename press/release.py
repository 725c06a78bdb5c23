"""Release bundles: gated, versioned, verifiable and byte-for-byte reproducible.

``release`` checks the gates, builds what the profile needs, and writes
dist/releases/<profile>-<version>/ (PDFs, catalog page, release notes, MANIFEST) and the
matching .zip; ``verify`` checks a bundle (folder or zip) against its MANIFEST.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PressError, Problem
from .project import SETTINGS_FILE, Project, ReleaseProfile, load_project

MANIFEST = "MANIFEST"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: no build time leaks in
_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")


@dataclass
class ReleaseResult:
    folder: Path
    zip: Path
    files: int
    size: int
    overridden: list[str] = field(default_factory=list)


def _profile(project: Project, name: str) -> ReleaseProfile:
    for profile in project.settings.releases:
        if profile.name == name:
            return profile
    names = [p.name for p in project.settings.releases]
    hint = difflib.get_close_matches(name, names, n=1)
    fix = f"did you mean '{hint[0]}'?" if hint else f"profiles: {', '.join(names) or 'none'}"
    raise PressError([Problem(SETTINGS_FILE, 0, f"no release profile '{name}'; {fix}")])


def gates(project: Project, profile: ReleaseProfile, as_of: dt.date) -> tuple[list[str], list[Problem]]:
    """Every resource the profile ships, and every reason the release must not go out."""
    from .catalogs import status_of
    from .languages import load_registry
    from .packs import load_packs
    from .sources import load_library

    library, problems = load_library(project)
    packs, found = load_packs(project, library)
    problems += found
    if problems:
        raise PressError(problems)
    registry = load_registry(project)
    pack_ids = {p.id: p for p in packs}
    errors: list[Problem] = []
    for pack_id in profile.packs:
        if pack_id not in pack_ids:
            errors.append(Problem(SETTINGS_FILE, profile.line_of("packs"), f"release '{profile.name}': unknown pack '{pack_id}'"))
    for resource in profile.resources:
        if resource not in library.ids:
            errors.append(Problem(SETTINGS_FILE, profile.line_of("resources"), f"release '{profile.name}': unknown resource '{resource}'"))
    for tag in profile.languages:
        if tag not in registry.tags:
            errors.append(Problem(SETTINGS_FILE, profile.line_of("languages"), f"release '{profile.name}': unknown language '{tag}'"))
    if errors:
        raise PressError(errors)
    shipped = list(dict.fromkeys([r for p in profile.packs for r in pack_ids[p].resources] + list(profile.resources)))
    reasons: list[Problem] = []
    for resource in shipped:
        handout = library.get(resource)
        if handout.review_due < as_of:
            reasons.append(Problem(handout.path, handout.line_of("review_due"), f"review date {handout.review_due} has passed; review the resource and update review_due"))
    templates: dict[str, Any] = {}
    for tag in profile.languages:
        if tag == registry.source.tag:
            continue
        domains = shipped + (["packs"] if profile.packs else []) + ["ui"]
        professional = "professional" in profile.variants
        for domain in domains:
            status = status_of(project, library, tag, domain, templates)
            where = f"translations/{tag}/{domain}.po"
            approved, review = _review_gate(project, library, tag, domain, templates, professional)
            # An approved catalog names each passage to look at again (fuzzy ones too);
            # a draft says how far its translation is, and that it needs a review.
            if status.state_for(professional) != "complete" and not approved:
                if professional:
                    counts = f"{status.translated}/{status.total} translated, {status.fuzzy} fuzzy"
                else:
                    counts = f"{status.client_translated}/{status.client_total} translated, {status.client_fuzzy} fuzzy"
                reasons.append(Problem(where, 0, f"translation {status.state_for(professional)} ({counts})"))
            reasons += review
    return shipped, reasons


def _review_gate(project: Project, library: Any, tag: str, domain: str, templates: dict[str, Any], professional: bool) -> tuple[bool, list[Problem]]:
    """A shipped translation must be clinically approved as it now reads: every passage
    changed since (in English or in the translation) is named, with its place. Also
    returns whether the catalog was ever approved."""
    from .i18n import catalog_reviews
    from .reviews import review_of

    # A release without professional versions needs only the passages it prints approved.
    review = review_of(*catalog_reviews(project, library, tag, [domain], templates)[domain], professional)
    where = f"translations/{tag}/{domain}.po"
    if review.state == "draft":
        return False, [Problem(where, 0, f"not clinically reviewed; once a clinician has reviewed it, run `pipeline.py i18n approve --lang {tag} --only {domain} --reviewer NAME`")]
    assert review.approval is not None
    approved = f"approved by {review.approval.reviewer} on {review.approval.date.isoformat()}"
    return True, [
        Problem(where, p.line, f"passage {p.number} changed since it was {approved}; review it again and re-approve ({p.msgid[:60]!r})")
        for p in review.stale
    ]


def shipped_pdfs(project: Project, profile: ReleaseProfile, shipped: list[str]) -> list[str]:
    """Every PDF the profile ships (those the build could make): each shipped resource
    and pack in each of its languages and variants."""
    from .packs import load_packs
    from .sources import load_library
    from .variants import choose, for_pack, handout_output, pack_output

    library, _ = load_library(project)
    packs = {p.id: p for p in load_packs(project, library)[0]}
    found = []
    for tag in profile.languages:
        for variant in choose(profile.variants, SETTINGS_FILE):
            handouts = [library.get(r) for r in shipped]
            found += [handout_output(tag, h.id, variant) for h in handouts if variant.applies_to(h.audience, bool(h.passages), h.archived)]
            found += [pack_output(tag, p, variant) for p in profile.packs if for_pack(variant, packs[p].audience)]
    return found


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in re.split(r"[._-]", version))


def _previous(releases_dir: Path, profile: str, version: str) -> dict[str, Any] | None:
    older = []
    for record in releases_dir.glob(f"{profile}-*/release.json"):
        data = json.loads(record.read_text(encoding="utf-8"))
        if data.get("profile") == profile and _version_key(str(data["version"])) < _version_key(version):
            older.append(data)
    return max(older, key=lambda d: _version_key(str(d["version"]))) if older else None


def _notes(profile: ReleaseProfile, version: str, current: dict[str, Any], previous: dict[str, Any] | None, overridden: list[str]) -> str:
    lines = [f"# {profile.name} {version}", ""]
    if profile.clinic:
        lines += [f"For {profile.clinic}.", ""]
    now: dict[str, dict[str, Any]] = current["resources"]
    if previous is None:
        lines += ["First release of this profile.", ""]
        lines += ["## Resources", ""] + [f"- {r['title']} (edition {r['edition']})" for r in now.values()]
    else:
        before: dict[str, dict[str, Any]] = previous["resources"]
        lines += [f"Changes since {previous['version']}.", ""]
        added = [r for k, r in now.items() if k not in before]
        updated = [(before[k], r) for k, r in now.items() if k in before and before[k]["edition"] != r["edition"]]
        retired = [r for k, r in before.items() if k not in now]
        new_languages = [t for t in current["languages"] if t not in previous["languages"]]
        lines += ["## New resources", ""] + ([f"- {r['title']} (edition {r['edition']})" for r in added] or ["- none"])
        lines += ["", "## Updated resources", ""] + ([f"- {r['title']}: edition {o['edition']} → {r['edition']}" for o, r in updated] or ["- none"])
        lines += ["", "## New languages", ""] + ([f"- {t}" for t in new_languages] or ["- none"])
        lines += ["", "## Retired editions", ""] + ([f"- {r['title']} (edition {r['edition']})" for r in retired] or ["- none"])
    lines += ["", "## Languages", "", ", ".join(current["languages"]), ""]
    if overridden:
        lines += ["## Gates overridden", "", "This release was made with --override-gates despite:", ""]
        lines += [f"- {reason}" for reason in overridden] + [""]
    return "\n".join(lines)


def _manifest(folder: Path) -> str:
    rows = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        data = path.read_bytes()
        rows.append(f"{hashlib.sha256(data).hexdigest()}  {len(data)}  {path.relative_to(folder).as_posix()}")
    return "\n".join(rows) + "\n"


def _zip(folder: Path, target: Path) -> None:
    """Sorted entries, fixed timestamps and permissions: the same files, the same zip."""
    tmp = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", date_time=ZIP_TIME)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    tmp.replace(target)


def release(root: Path, name: str, version: str, override: bool, jobs: int, say: Callable[[str], None], as_of: dt.date | None = None, scheduler: str | None = None) -> ReleaseResult:
    """Gate, build and bundle one release profile."""
    from .build import build, build_lock
    from .targets import BuildOptions

    project = load_project(root)
    if not _VERSION_RE.match(version):
        raise PressError([Problem(SETTINGS_FILE, 0, f"version '{version}' may use letters, digits, '.', '-' and '_' only")])
    profile = _profile(project, name)
    shipped, reasons = gates(project, profile, as_of or dt.date.today())
    if reasons and not override:
        raise PressError([*reasons, Problem(SETTINGS_FILE, profile.line, f"release '{name}' refused: {len(reasons)} gate(s) failed; fix them or pass --override-gates")])
    overridden = [str(r) for r in reasons]
    options = BuildOptions(tuple(shipped), profile.languages, profile.paper, False, False, jobs, False, override, profile.packs, scheduler, profile.variants)
    # The lock is held from the build to the bundle's rename: a concurrent build cannot
    # swap a PDF between the build and the copy.
    with build_lock(project, say):
        build(root, options, say=say, locked=True)
        return _release_target(project, profile, name, version, shipped, overridden, say)


def _release_target(project: Project, profile: ReleaseProfile, name: str, version: str, shipped: list[str], overridden: list[str], say: Callable[[str], None]) -> ReleaseResult:
    """The bundle as a target like any output: its key holds every shipped PDF's hash,
    the profile, the version, the gates overridden, the earlier release the notes compare
    with and the tool versions; an unchanged bundle is not assembled again."""
    from .cache import InputHasher, outdated, verdict
    from .store import Records
    from .versions import tool_versions

    output = f"dist/releases/{name}-{version}.zip"
    records = Records.load(project.root)
    try:
        hasher = InputHasher(project.root, {}, records)
        pdfs = sorted(rel for rel in shipped_pdfs(project, profile, shipped) if (project.root / rel).is_file())
        earlier = _previous(project.dist_dir / "releases", name, version)
        key = {
            # What the profile ships, not where it sits in pipeline.yaml.
            "profile": json.dumps([profile.packs, profile.resources, profile.languages, profile.paper, profile.clinic, profile.contact, profile.variants]),
            "version": version,
            "overridden": json.dumps(overridden),
            "shipped": json.dumps([(rel, hasher.current(rel)) for rel in pdfs]),
            "previous": json.dumps(earlier, sort_keys=True),
            "versions": tool_versions(),
        }
        folder = project.dist_dir / "releases" / f"{name}-{version}"
        reason = outdated(records, hasher, project.root, output, key)
        if reason is None and (not (folder / MANIFEST).is_file() or verify(folder)):
            reason = "bundle folder missing or changed"
        say(verdict(output, reason))
        if reason is None:
            target = project.root / output
            files = [p for p in folder.rglob("*") if p.is_file()]
            return ReleaseResult(folder, target, len(files), target.stat().st_size, overridden)
        say(f"assembling the bundle {name}-{version}")
        result = _assemble(project, profile, name, version, shipped, overridden)
        records.record(output, key, {}, result.zip)
        records.save()
        return result
    finally:
        records.close()


def _assemble(project: Project, profile: ReleaseProfile, name: str, version: str, shipped: list[str], overridden: list[str]) -> ReleaseResult:
    from .catalog import catalog_html
    from .languages import load_registry
    from .packs import load_packs
    from .sources import load_library

    library, _ = load_library(project)
    packs, _ = load_packs(project, library)
    registry = load_registry(project)
    releases_dir = project.dist_dir / "releases"
    folder = releases_dir / f"{name}-{version}"
    releases_dir.mkdir(parents=True, exist_ok=True)
    # Assemble beside the final folder, then rename: a bundle appears whole or not at all.
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-{version}.", dir=releases_dir))
    try:
        for rel in shipped_pdfs(project, profile, shipped):
            source = project.root / rel
            if source.is_file():
                target = staging / rel.removeprefix("dist/")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        # Each PDF's first-page preview, as the build made it, for the bundle's catalog.
        from .previews import chosen_pdfs

        in_bundle = {p.relative_to(staging).as_posix() for p in staging.glob("*/*/*.pdf")}
        for preview in chosen_pdfs(in_bundle):
            made = project.dist_dir / preview
            if made.is_file():
                (staging / preview).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(made, staging / preview)
        chosen = tuple(p for p in packs if p.id in profile.packs)
        subtitle = " · ".join(x for x in (profile.clinic, profile.contact, f"Release {version}") if x)
        (staging / "index.html").write_bytes(catalog_html(project, library, registry, chosen, staging, project.settings.organisation, subtitle).encode())
        current: dict[str, Any] = {
            "profile": name,
            "version": version,
            "languages": list(profile.languages),
            "resources": {r: {"title": library.get(r).title, "edition": library.get(r).edition} for r in shipped},
            "packs": list(profile.packs),
        }
        previous = _previous(releases_dir, name, version)
        (staging / "RELEASE-NOTES.md").write_text(_notes(profile, version, current, previous, overridden), encoding="utf-8")
        (staging / "release.json").write_text(json.dumps(current, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        (staging / MANIFEST).write_text(_manifest(staging), encoding="utf-8")
        for path in staging.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    target = releases_dir / f"{name}-{version}.zip"
    _zip(folder, target)
    files = [p for p in folder.rglob("*") if p.is_file()]
    return ReleaseResult(folder, target, len(files), target.stat().st_size, overridden)


# One MANIFEST line: the SHA-256 of a file, its size in bytes and its path, two spaces apart.
_MANIFEST_LINE = re.compile(r"(?P<digest>[0-9a-f]{64})  (?P<size>[0-9]+)  (?P<name>[^/\s].*)")


def verify(bundle: Path) -> list[str]:
    """Every changed, missing or extra file of a bundle (folder or zip), by name."""
    files: dict[str, bytes] = {}
    if bundle.is_file() and zipfile.is_zipfile(bundle):
        with zipfile.ZipFile(bundle) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    files[info.filename.split("/", 1)[1] if "/" in info.filename else info.filename] = archive.read(info)
    elif bundle.is_dir():
        files = {p.relative_to(bundle).as_posix(): p.read_bytes() for p in bundle.rglob("*") if p.is_file()}
    else:
        raise PressError([Problem(str(bundle), 0, "not a release folder or zip")])
    if MANIFEST not in files:
        raise PressError([Problem(str(bundle), 0, "no MANIFEST in the bundle")])
    listed: dict[str, tuple[str, int]] = {}
    try:
        text = files[MANIFEST].decode("utf-8")
    except UnicodeDecodeError:
        raise PressError([Problem(f"{bundle}/{MANIFEST}", 0, "not UTF-8 text; the bundle is damaged, ask for a new copy")]) from None
    bad = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _MANIFEST_LINE.fullmatch(line)
        if match is None:
            bad.append(Problem(f"{bundle}/{MANIFEST}", number, "expected '<sha256>  <size>  <path>'; the bundle is damaged, ask for a new copy"))
            continue
        listed[match["name"]] = (match["digest"], int(match["size"]))
    if bad:
        raise PressError(bad)
    report = []
    for name, (digest, expected) in sorted(listed.items()):
        if name not in files:
            report.append(f"missing: {name}")
        elif hashlib.sha256(files[name]).hexdigest() != digest or len(files[name]) != expected:
            report.append(f"changed: {name}")
    for name in sorted(set(files) - set(listed) - {MANIFEST}):
        report.append(f"extra: {name}")
    return report
