"""The API reference (docs/API.md) is generated from the protos' comments, every RPC, message and
field of the public API has one, and the limits the servicers enforce are the ones the comments
state; the check notices a missing comment and a limit that drifted."""

from __future__ import annotations

import dataclasses

from infra import apidocs


def test_every_rpc_and_field_is_commented_limits_agree_and_the_reference_is_fresh() -> None:
    documented = apidocs.comments_of(apidocs.descriptor_set())
    assert apidocs.missing_comments(documented) == []
    limits = apidocs.servicer_limits(documented)
    assert apidocs.limit_problems(documented, limits) == []
    assert apidocs.DOC.read_text() == apidocs.render(documented)
    # The check reads real limits: StartLive's title, a page size with its default, request ids.
    found = {(limit.rpc.rsplit(".", 1)[-1], limit.field): (limit.maximum, limit.default) for limit in limits}
    assert found[("StartLive", "title")] == (128, None)
    assert found[("ListTimeline", "page_size")] == (200, 50)
    assert found[("CreateGroup", "request_id")] == (128, None)


def test_a_missing_comment_and_a_drifted_limit_are_noticed() -> None:
    documented = apidocs.comments_of(apidocs.descriptor_set())
    documented.comments["convene.live.v1.StartLiveRequest.description"] = ""
    assert "convene.live.v1.StartLiveRequest.description" in apidocs.missing_comments(documented)
    limits = apidocs.servicer_limits(documented)
    title = next(limit for limit in limits if limit.rpc.endswith(".StartLive") and limit.field == "title")
    drifted = [dataclasses.replace(title, maximum=title.maximum + 1 if title.maximum else 1)]
    [problem] = apidocs.limit_problems(documented, drifted)
    assert "StartLiveRequest.title" in problem and "at most 129" in problem
