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
    "kind.information-handout": "Information handout",
    "kind.worksheet": "Worksheet",
    "kind.exercise": "Exercise",
    "kind.formulation": "Formulation",
    "kind.therapy-tool": "Therapy tool",
    "kind.reading-list": "Reading list",
    "kind.treatment-guide": "Treatment guide",
}

# Babel locale used for dates and numbers, where it differs from the language tag.
BABEL_LOCALES = {"en": "en_GB", "zh-Hans": "zh_Hans_CN", "zh-Hant": "zh_Hant_TW"}


def babel_locale(language: str) -> str:
    return BABEL_LOCALES.get(language, language.replace("-", "_"))
