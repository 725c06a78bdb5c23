"""The versions every output's bytes depend on besides its inputs: the engine's own code,
the Python packages that shape PDFs and the Debian fonts and text libraries. They are part
of every build key, and a Dask worker's must equal the client's."""

from __future__ import annotations

import hashlib
import subprocess
from importlib import metadata
from pathlib import Path

_VERSIONED = ("weasyprint", "pydyf", "pypdf", "citeproc-py", "babel", "markdown-it-py", "jinja2", "fonttools", "uharfbuzz")


def tool_versions() -> str:
    """Versions of everything that shapes output bytes, as one key part."""
    return ";".join(f"{name}={version}" for name, version in tool_version_parts().items())


def tool_version_parts() -> dict[str, str]:
    """Versions of everything that shapes output bytes (read from metadata, not imports),
    and a hash of the engine's own code, so a new release of Handout Press rebuilds."""
    engine = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        engine.update(source.read_bytes())
    found = {"engine": engine.hexdigest()[:16], "debian": debian_versions()}
    for name in _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "none"
    return found


_DEBIAN = ("fonts-noto-core", "fonts-noto-cjk", "libharfbuzz-subset0", "libpango-1.0-0", "fontconfig")


def debian_versions() -> str:
    """Versions of the system fonts and text libraries every PDF depends on."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Package}=${Version};", *_DEBIAN], capture_output=True, text=True, check=False).stdout
    except OSError:
        return "unknown"
    return out or "unknown"
