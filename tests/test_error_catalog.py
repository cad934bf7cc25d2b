"""The error catalog (services/runtime/error_catalog.toml, rendered as docs/ERRORS.md and the
TypeScript client's table) is true to the code: every ErrorInfo reason the services raise is in
it with the status and metadata keys the code gives it, nothing in it is raised nowhere, and the
check notices a reason the catalog lacks."""

from __future__ import annotations

import shutil
from pathlib import Path

from infra import errorcat


def test_every_reason_the_code_raises_is_catalogued_and_the_rendered_files_are_fresh() -> None:
    entries = errorcat.load()
    uses, unreadable = errorcat.all_uses()
    assert errorcat.problems(entries, uses) == []
    assert unreadable == [], "every refusal names its reason with a literal or a module's constant for one"
    assert errorcat.DOC.read_text() == errorcat.render_markdown(entries)
    assert errorcat.TS.read_text() == errorcat.render_typescript(entries)
    assert len(entries) >= 120 and {"TOKEN_EXPIRED", "NOT_IN_AUDIENCE", "SHARE_LINK_EXPIRED"} <= set(entries)


def test_a_new_reason_a_changed_status_and_a_stale_entry_are_each_noticed(tmp_path: Path) -> None:
    sources = tmp_path / "services"
    shutil.copytree(errorcat.SOURCES, sources, ignore=shutil.ignore_patterns("__pycache__"))
    (sources / "live" / "newly_added.py").write_text(
        "from services.runtime.errors import NotFound, ResourceExhausted\n"
        "def refuse():\n"
        "    raise ResourceExhausted('COMMENTS_TOO_FAST', 'slow down', retry_after_ms=500)\n"
        "def refuse_differently():\n"
        "    raise NotFound('HOST_ONLY', 'no such host')\n"
        "SHARED_REASON = 'SHARED_BY_NAME'\n"
        "def refuse_by_name():\n"
        "    raise NotFound(SHARED_REASON, 'a reason several places raise by its constant')\n")
    entries = errorcat.load()
    entries["NEVER_RAISED"] = errorcat.Entry("NEVER_RAISED", ("NOT_FOUND",), (), "refresh", "nothing")
    uses, _ = errorcat.all_uses(sources)
    found = "\n".join(errorcat.problems(entries, uses))
    assert "COMMENTS_TOO_FAST: used by the code (services/live/newly_added.py:3) but not in the catalog" in found
    assert "HOST_ONLY: the code answers ['NOT_FOUND', 'PERMISSION_DENIED']" in found
    assert "NEVER_RAISED: in the catalog but nothing raises it" in found
    assert "SHARED_BY_NAME: used by the code (services/live/newly_added.py:8) but not in the catalog" in found
