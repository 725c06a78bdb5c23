"""Interface strings printed on every sheet, in the source language.

They are gettext messages: other languages translate them in ``translations/<lang>/ui.po``.
"""

from __future__ import annotations

# msgid -> English text. Placeholders in braces are filled at render time.
UI_STRINGS: dict[str, str] = {
    "page_of": "Page {page} of {pages}",
    "edition": "Edition {edition}",
    "published": "Published {date}",
    "review_due": "Review due {date}",
    "references": "References",
    "contents": "Contents",
    "name": "Name",
    "date": "Date",
    "example": "Worked example",
    "archived_title": "Archived edition",
    "archived_body": "This is edition {edition}, kept for reference only. It has been replaced by “{title}” (edition {current}). Please use the current edition with clients.",
    "for_professionals": "For professionals",
    "professional_version": "Professional version",
    "large_print": "Large print",
    "client_version": "Client version",
    "draft_notice": "Draft translation awaiting clinical review. Check with your clinician before relying on it.",
    "reviewed_line": "Translated from the English edition {edition}; clinically reviewed on {date} by {reviewer}.",
    "incomplete_notice": "Draft build: passages marked at the margin are not yet translated and appear in English.",
    "pack_label": "Resource pack",
    "language": "Language",
    "resources": "Resources",
    "bibliography": "Bibliography",
    "kind.information-handout": "Information handout",
    "kind.worksheet": "Worksheet",
    "kind.exercise": "Exercise",
    "kind.formulation": "Formulation",
    "kind.therapy-tool": "Therapy tool",
    "kind.reading-list": "Reading list",
    "kind.treatment-guide": "Treatment guide",
}
