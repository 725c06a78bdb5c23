"""Which letters a pack part cites with.

APA's year suffixes (Gilbert, 2009a and 2009b) belong to the reference list that prints
them. A handout prints its own list, so its letters come from its own citations; a
pack's bibliography appendix lists the works of every part, so each part of the pack
cites with the appendix's letters. A part is shared by every pack (and named as the
plain part) where its citations print the same letters either way; elsewhere it is a
part of its own, named by its letters.

What a document cites does not depend on its language (translations keep every
citation), so scopes are worked out once per build, from the English sources.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .bibliography import year_suffixes
from .packs import Pack
from .references import References
from .sources import Handout, Library
from .variants import Variant, part_variant


def handout_keys(handout: Handout, professional: bool) -> tuple[str, ...]:
    """Every work a handout cites in the passages it prints, lowercased, in order."""
    from . import markdown
    from .body import cited_keys, mark_reading_entries, without_passages

    tokens = markdown.make_parser().parse(handout.body)
    if not professional:
        tokens = without_passages(tokens)
    if handout.kind == "reading-list":
        mark_reading_entries(tokens)
    in_text, entries = cited_keys(tokens)
    return tuple(dict.fromkeys(k.lower() for k in in_text + entries))


@dataclass(frozen=True)
class PartScope:
    """A pack part's letters: ``tag`` names the part ("" when it prints its own letters),
    ``scope`` the works whose list decides them (the pack's, or none)."""

    tag: str = ""
    scope: tuple[str, ...] = ()


@dataclass
class CiteScopes:
    """Works cited per handout and per pack, parsed once per build."""

    library: Library
    references: References
    _keys: dict[tuple[str, bool], tuple[str, ...]] = field(default_factory=dict)
    _parts: dict[tuple[str, str, str], PartScope] = field(default_factory=dict)

    def keys(self, handout: Handout, professional: bool) -> tuple[str, ...]:
        memo_key = (handout.id, professional)
        if memo_key not in self._keys:
            self._keys[memo_key] = handout_keys(handout, professional)
        return self._keys[memo_key]

    def pack_keys(self, pack: Pack, variant: Variant) -> tuple[str, ...]:
        """Every work the pack's appendix lists: each part's, in the part's variant."""
        keys: list[str] = []
        for resource in pack.resources:
            handout = self.library.get(resource)
            keys += self.keys(handout, part_variant(variant, bool(handout.passages)).professional)
        return tuple(dict.fromkeys(keys))

    def _suffixes(self, keys: tuple[str, ...]) -> dict[str, str]:
        return year_suffixes(self.references.items[k] for k in keys if k in self.references.items)

    def part(self, pack: Pack, variant: Variant, resource: str) -> PartScope:
        memo_key = (pack.id, variant.name, resource)
        if memo_key not in self._parts:
            handout = self.library.get(resource)
            own_keys = self.keys(handout, part_variant(variant, bool(handout.passages)).professional)
            pack_keys = self.pack_keys(pack, variant)
            in_pack = {k: s for k, s in self._suffixes(pack_keys).items() if k in own_keys}
            found = PartScope()
            if in_pack != self._suffixes(own_keys):
                digest = hashlib.sha256(json.dumps(sorted(in_pack.items())).encode()).hexdigest()[:10]
                found = PartScope("~" + digest, pack_keys)
            self._parts[memo_key] = found
        return self._parts[memo_key]
