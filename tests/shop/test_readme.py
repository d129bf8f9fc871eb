"""The README a newcomer reads first: every file it names is in the repository, and it says
where the accounts are and what the embedded default does differently."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
README = (ROOT / "README.md").read_text()


def test_every_file_the_readme_names_is_in_the_repository() -> None:
    assert "../" not in README  # nothing outside the repository (a clone has no ../shared)
    named = {
        token
        for token in re.findall(r"`([^`\s]+)`", README)
        if re.fullmatch(r"[\w.-]+(/[\w.-]+)+\.(md|py|yml|yaml|toml|txt|in|html|js|css)", token)
        and not token.startswith(("var/", "/"))  # made by make run; URLs
    }
    assert "docs/architecture.md" in named
    missing = sorted(token for token in named if not (ROOT / token).exists())
    assert missing == []


def test_the_readme_says_where_the_accounts_are_and_that_the_demo_fills_in_the_background() -> None:
    assert "var/admin-password.txt" in README
    assert "var/seed.log" in README
    assert "about a minute" in README
    assert "DEMO_RIDER_PASSWORD" in README


def test_the_readme_says_what_the_embedded_default_lacks() -> None:
    catalog = next(line for line in README.splitlines() if line.startswith("| `catalog`"))
    assert "forgiving search" in catalog
    assert "SQLite" in catalog  # no trigram typo tolerance there (docs/catalog.md)
    assert "docs/catalog.md" in catalog
