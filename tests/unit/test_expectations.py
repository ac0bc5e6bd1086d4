"""submissions.yaml rules: brace expansion, globs, and checks on judged outcomes."""

from __future__ import annotations

from judgebox.problems.expectations import (
    Outcome,
    Rule,
    check,
    expand_braces,
    expected_results_tag,
    glob_matches,
)


def test_brace_expansion_nests() -> None:
    assert expand_braces("a.{py,c{c,pp}}") == ["a.py", "a.cc", "a.cpp"]
    assert expand_braces("plain") == ["plain"]


def test_globs_match_a_path_or_its_parents_and_star_stays_in_one_part() -> None:
    assert glob_matches("accepted", "accepted/sol.py")
    assert glob_matches("{accepted,rejected}/s*.py", "rejected/slow.py")
    assert glob_matches("secret/*-easy", "secret/03-easy")
    assert not glob_matches("secret/*", "sample/1")
    assert not glob_matches("sec*1", "secret/group1")  # * does not cross /


def test_tags_use_domjudge_names() -> None:
    assert expected_results_tag("// @EXPECTED_RESULTS@: CORRECT, TIMELIMIT") == frozenset(
        {"AC", "TLE"}
    )
    assert expected_results_tag("nothing") is None


def test_permitted_required_message_and_score() -> None:
    outcome = Outcome(
        "WA",
        [("sample/1", "AC", ""), ("secret/a", "WA", "expected 3"), ("secret/b", "MLE", "")],
        score=None,
    )
    assert check(Rule("x", "r", permitted=frozenset({"AC", "WA", "RTE"})), outcome) is None
    assert "not permitted" in (
        check(Rule("x", "r", permitted=frozenset({"AC", "WA"})), outcome) or ""
    )
    assert check(Rule("x", "r", cases="sample", required=frozenset({"WA"})), outcome) is not None
    assert check(Rule("x", "r", message="expected 3"), outcome) is None
    assert check(Rule("x", "r", message="nope"), outcome) is not None
    scored = Outcome("AC", [("secret/g1/1", "AC", "")], score=40, group_scores={"secret/g1": 40})
    assert check(Rule("x", "r", score=(30, 50)), scored) is None
    assert check(Rule("x", "r", cases="secret/g1", score=(41, 41)), scored) is not None
