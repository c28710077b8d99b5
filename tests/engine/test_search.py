"""Fuzzy search and the incremental list filter: ranking rules, query forms, equivalence."""

from __future__ import annotations

import gc
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import ValidationError
from engine.search.matcher import (
    FilterResult,
    IncrementalFilter,
    Match,
    Query,
    QueryKind,
    Superseded,
    _Fuzzy,
    parse_query,
    search,
)
from rex_tui.cli.errors import exit_code

IMAGES = ["alpine", "alpine-base", "myapp-alpine", "nginx", "postgres", "alpaca-tools"]
MYAPP_TAGS = ["v1.0.0", "v1.0.1", "v1.1.0", "v1.2.0", "alpine-v1", "latest", "v2.0.0"]
ALPINE_TAGS = ["1.24-alpine", "alpine", "alpine-v1", "20-alpine3.19", "16-alpine", "latest"]


def texts(matches: list[Match]) -> list[str]:
    return [m.text for m in matches]


# -- the seeds' examples -------------------------------------------------------------


def test_search_image_alpine_matches_the_seed() -> None:
    assert texts(search("alpine", IMAGES)) == ["alpine", "alpine-base", "myapp-alpine"]


def test_search_tags_v1_matches_the_seed() -> None:
    found = search("v1", MYAPP_TAGS)
    assert texts(found) == ["v1.0.0", "v1.0.1", "v1.1.0", "v1.2.0", "alpine-v1"]
    # Equal-length prefix matches tie, and ties sort by name.
    assert len({m.score for m in found[:4]}) == 1


def test_search_tags_alpine_ranks_exact_then_prefix_then_word_substrings() -> None:
    found = search("alpine", ALPINE_TAGS)
    assert texts(found) == ["alpine", "alpine-v1", "16-alpine", "1.24-alpine", "20-alpine3.19"]
    assert found[0].score == 100
    assert 90 < found[1].score < 99
    assert all(80 < m.score < 90 for m in found[2:])


# -- ranking rules ---------------------------------------------------------------------


def test_match_classes_rank_exact_prefix_substring_scattered() -> None:
    names = ["x-ap-i", "myapi", "team/api-gw", "api-gateway", "api"]
    found = search("api", names)
    assert texts(found) == ["api", "api-gateway", "team/api-gw", "myapi", "x-ap-i"]
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)
    assert [m.score >= s for m, s in zip(found, (99, 90, 80, 70, 50), strict=True)] == [True] * 5


def test_word_start_beats_inside_a_word() -> None:
    assert texts(search("api", ["team/rapid-x", "team/x-api"])) == ["team/x-api", "team/rapid-x"]


def test_camel_case_humps_are_word_starts() -> None:
    assert texts(search("api", ["xxrapidq", "myApiXq"])) == ["myApiXq", "xxrapidq"]


def test_earlier_matches_score_higher() -> None:
    assert texts(search("foo", ["aaaa-foo-b", "a-foo-bbbb"])) == ["a-foo-bbbb", "aaaa-foo-b"]


def test_shorter_names_score_higher() -> None:
    assert texts(search("alp", ["alpine-base", "alpine"])) == ["alpine", "alpine-base"]
    assert texts(search("pine", ["x/alpine-y", "x/alpine"])) == ["x/alpine", "x/alpine-y"]


def test_case_exact_scores_higher() -> None:
    found = search("Latest", ["latest", "Latest"])
    assert texts(found) == ["Latest", "latest"]
    assert [m.score for m in found] == [100, 99]
    assert texts(search("v1", ["V1.0", "v1.0"])) == ["v1.0", "V1.0"]
    assert texts(search("pw", ["x-Pay-Wide", "x-pay-wide"])) == ["x-pay-wide", "x-Pay-Wide"]


def test_a_longer_unbroken_run_ranks_first_among_scattered_matches() -> None:
    found = search("team-4/a", ["team-14/ads-api", "team-41/api", "team-4/billing-api"])
    assert texts(found) == ["team-4/billing-api", "team-41/api", "team-14/ads-api"]
    assert found[0].positions == (0, 1, 2, 3, 4, 5, 6, 15)


def test_word_starts_help_scattered_matches() -> None:
    assert texts(search("pw", ["xpxxwxx", "x/p-w-x"])) == ["x/p-w-x", "xpxxwxx"]


def test_ties_sort_by_name_then_index() -> None:
    found = search("ab", ["abd", "abc", "abd", "abc"])
    assert [(m.text, m.index) for m in found] == [("abc", 1), ("abc", 3), ("abd", 0), ("abd", 2)]


def test_no_match_is_empty() -> None:
    assert search("zzz", IMAGES) == []
    assert search("v1", ["latest", "v2.0.0"]) == []


# -- threshold, typos, limit -------------------------------------------------------------


def test_typos_are_a_fallback_scored_by_partial_ratio() -> None:
    found = search("paymnets", ["team-1/payments-worker", "team-2/api-network"])
    assert texts(found) == ["team-1/payments-worker"]
    assert 50 <= found[0].score < 70
    assert found[0].positions == (7, 8, 9, 10, 12, 13, 14)
    # Any proper match hides typos, and short queries get none.
    assert texts(search("paymnets", ["payments", "paymnets-x"])) == ["paymnets-x"]
    assert search("lat", ["alt", "lta"]) == []


def test_threshold_drops_lower_scores() -> None:
    assert texts(search("alpine", IMAGES, threshold=90)) == ["alpine", "alpine-base"]
    assert texts(search("alpine", IMAGES, threshold=100)) == ["alpine"]
    assert texts(search("api", ["x-a-p-i", "myapi"], threshold=60)) == ["myapi"]
    assert search("latset", ["latest"], threshold=50) != []
    assert search("latset", ["latest"], threshold=70) == []
    assert texts(search("api", ["x-a-p-i"], threshold=0)) == ["x-a-p-i"]


def test_limit_keeps_the_best() -> None:
    assert texts(search("alpine", IMAGES, limit=2)) == ["alpine", "alpine-base"]
    assert search("alpine", IMAGES, limit=0) == []
    with pytest.raises(ValidationError, match="must not be negative"):
        search("alpine", IMAGES, limit=-1)


# -- query forms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "body"),
    [
        ("alpine", QueryKind.FUZZY, "alpine"),
        ("  alp ", QueryKind.FUZZY, "alp"),
        ('"alpine"', QueryKind.EXACT, "alpine"),
        ('"alpine', QueryKind.EXACT, "alpine"),
        ("alp*", QueryKind.GLOB, "alp*"),
        ("v1.?", QueryKind.GLOB, "v1.?"),
        ("^alp", QueryKind.REGEX, "^alp"),
        ("ine$", QueryKind.REGEX, "ine$"),
        ("/al.ine/", QueryKind.REGEX, "/al.ine/"),
        ("/ALP/i", QueryKind.REGEX, "/ALP/i"),
        ("/", QueryKind.FUZZY, "/"),
    ],
)
def test_parse_query_forms(text: str, kind: QueryKind, body: str) -> None:
    query = parse_query(text)
    assert (query.kind, query.text) == (kind, body)


def test_the_exact_flag_matches_whole_names_case_sensitively() -> None:
    assert parse_query("alpine", exact=True) == Query(QueryKind.EXACT, "alpine")
    names = ["alpine", "Alpine", "alpine-base", "alpine"]
    found = search(parse_query("alpine", exact=True), names)
    assert [(m.text, m.index, m.score, m.positions) for m in found] == [
        ("alpine", 0, 100, (0, 1, 2, 3, 4, 5)),
        ("alpine", 3, 100, (0, 1, 2, 3, 4, 5)),
    ]
    assert texts(search('"Alpine"', names)) == ["Alpine"]


def test_wildcards_match_whole_names_case_insensitively() -> None:
    names = ["alpine", "Alpine-base", "myapp-alpine", "alpine3"]
    found = search("alp*", names)
    assert texts(found) == ["Alpine-base", "alpine", "alpine3"]
    assert {m.score for m in found} == {100}
    assert found[1].positions == (0, 1, 2)
    assert texts(search("alpine?", names)) == ["alpine3"]
    assert {m.text: m.positions for m in search("*alp*e", names)}["alpine"] == (0, 1, 2, 5)


def test_regexes_search_anywhere() -> None:
    names = ["alpine", "Alpine", "myapp-alpine", "nginx"]
    assert texts(search("^alp", names)) == ["alpine"]
    assert texts(search("ine$", names)) == ["Alpine", "alpine", "myapp-alpine"]
    assert texts(search("/^alp/i", names)) == ["Alpine", "alpine"]
    found = search("/p-a/", names)
    assert [(m.text, m.positions) for m in found] == [("myapp-alpine", (4, 5, 6))]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/[a/", "invalid regular expression '/[a/': unterminated character set at position 1"),
        ("^[a", "invalid regular expression '^[a': unterminated character set at position 1"),
        ("^(a$", "missing ), unterminated subpattern at position 1"),
        ("//", "empty regular expression '//'"),
        ('""', "empty exact query"),
        ('"', "empty exact query"),
    ],
)
def test_bad_query_forms_are_validation_errors(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_query(text)
    assert message in str(info.value)
    assert exit_code(info.value) == 2
    assert info.value.hint
    with pytest.raises(ValidationError):
        IncrementalFilter(IMAGES).update(text)


# -- empty query, positions ------------------------------------------------------------------


def test_empty_query_lists_every_name_in_order() -> None:
    for query in ("", "   "):
        found = search(query, IMAGES)
        assert found == [Match(name, 100.0, (), i) for i, name in enumerate(IMAGES)]
    assert IncrementalFilter(IMAGES).update("", limit=2) == FilterResult(
        (Match("alpine", 100.0, (), 0), Match("alpine-base", 100.0, (), 1)), 6
    )


def test_positions_of_contiguous_matches_are_one_run() -> None:
    for match in search("alpine", ALPINE_TAGS):
        start = match.positions[0]
        assert match.positions == tuple(range(start, start + 6))
        assert match.text[start : start + 6] == "alpine"
    assert search("api", ["rapid-api"])[0].positions == (6, 7, 8)  # the word start wins


ALPHABET = "ab-/_.Ac1"
NAMES = st.lists(st.text(alphabet=ALPHABET, max_size=10), max_size=25)


def fuzzy(text: str) -> bool:
    try:
        return parse_query(text).kind is QueryKind.FUZZY
    except ValidationError:
        return False


def queries(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=ALPHABET, min_size=1, max_size=size).filter(fuzzy)


@given(names=NAMES, data=st.data())
@settings(max_examples=300, deadline=None)
def test_fuzzy_positions_spell_the_query(names: list[str], data: st.DataObject) -> None:
    query = data.draw(queries(5))
    for match in search(query, names):
        spelled = "".join(match.text[p] for p in match.positions).lower()
        assert list(match.positions) == sorted(set(match.positions))
        if query.lower() in match.text.lower():  # exact, prefix, substring: one run
            # (not "score >= 70": a typo scores up to 0.7 x 100 = 70 too)
            assert spelled == query.lower()
            assert match.positions == tuple(
                range(match.positions[0], match.positions[0] + len(query))
            )
        elif _is_subsequence(query.lower(), match.text.lower()):  # scattered
            assert spelled == query.lower()


def _is_subsequence(short: str, long: str) -> bool:
    rest = iter(long)
    return all(char in rest for char in short)


def _word_starts(name: str) -> set[int]:
    """The module docstring's word starts, worked out independently."""
    seps = "/-_.:"
    return {
        k
        for k, char in enumerate(name)
        if char not in seps
        and (k == 0 or name[k - 1] in seps or (name[k - 1].islower() and char.isupper()))
    }


def _shown_alignment(query: str, low: str) -> list[int]:
    """The highlighted alignment: the longest unbroken prefix (where the rest can follow,
    else just the first character), then each later character as early as possible."""
    n = len(query)

    def from_run(k: int) -> list[int] | None:
        for i in range(len(low)):
            if low.startswith(query[:k], i):
                positions, j = list(range(i, i + k)), i + k
                for char in query[k:]:
                    j = low.find(char, j)
                    if j < 0:
                        break
                    positions.append(j)
                    j += 1
                else:
                    return positions
        return None

    k = max(k for k in range(1, n) if query[:k] in low)
    found = from_run(k) or from_run(1)
    assert found is not None
    return found


def _strays(query: str, name: str) -> int:
    """Steps after the unbroken run that skip characters into a later word."""
    low, starts = name.lower(), _word_starts(name)
    positions = _shown_alignment(query.lower(), low)
    k = max(k for k in range(1, len(query)) if query.lower()[:k] in low)
    if positions[:k] != list(range(positions[0], positions[0] + k)):
        k = 1  # the run could not be used (see _shown_alignment)
    strays = 0
    for before, after in zip(positions[k - 1 :], positions[k:], strict=False):
        crossed = any(before < s <= after for s in starts)
        strays += crossed and after > before + 1
    return strays


def _expected(query: str, names: list[str], threshold: float) -> set[int]:
    q = query.lower()
    return {
        i
        for i, name in enumerate(names)
        if q in name.lower()
        or (_is_subsequence(q, name.lower()) and (threshold < 49 or _strays(query, name) < 2))
    }


@given(names=NAMES, data=st.data(), threshold=st.sampled_from([0.0, 50.0]))
@settings(max_examples=300, deadline=None)
def test_every_subsequence_match_is_found_and_limits_cut_the_full_ranking(
    names: list[str], data: st.DataObject, threshold: float
) -> None:
    query = data.draw(queries(5))
    found = search(query, names, threshold=threshold)
    expected = _expected(query, names, threshold)
    if expected or len(query.strip()) < 4:
        assert {m.index for m in found} == expected
    keys = [(-m.score, m.text, m.index) for m in found]
    assert keys == sorted(keys)
    for limit in (0, 1, 2, 3, 7):
        assert search(query, names, limit=limit, threshold=threshold) == found[:limit]


# -- spread matches: letters picked out of three or more words ------------------------------

WORDY = st.lists(st.text(alphabet="abcm", min_size=1, max_size=4), min_size=1, max_size=5).map(
    "-".join
)


@given(names=st.lists(WORDY, max_size=20), query=st.text(alphabet="abcm", min_size=3, max_size=5))
@settings(max_examples=400, deadline=None)
def test_spread_matches_score_under_the_threshold_and_the_rest_over_it(
    names: list[str], query: str
) -> None:
    everything = search(query, names, threshold=0)
    expected = _expected(query, names, 0)
    if not expected:
        return  # typos, when nothing matches, are tested elsewhere
    assert {m.index for m in everything} == expected
    for match in everything:
        spread = query not in match.text and _strays(query, match.text) >= 2
        assert (match.score < 50) == spread, (match.text, match.score)
        if spread:
            assert 25 <= match.score < 49
    kept = search(query, names)
    passing = {m.index for m in everything if m.score >= 50}
    if passing or len(query) < 4:
        assert {m.index for m in kept} == passing
    else:  # nothing passed: typos only, never a spread name
        assert not any(_is_subsequence(query, m.text) for m in kept)


# Each word from its own letters, so the alignment shown is the one the query was cut from.
LETTERS = ("abc", "defg", "hijk", "lmno", "pqrs")
WORDS = st.lists(st.integers(0, 4), min_size=3, max_size=5, unique=True).flatmap(
    lambda order: st.tuples(*(st.text(alphabet=LETTERS[i], min_size=2, max_size=5) for i in order))
)


@given(words=WORDS, data=st.data())
def test_pieces_of_two_words_stay_and_of_three_words_go(
    words: tuple[str, ...], data: st.DataObject
) -> None:
    name = "-".join(words)

    def piece(word: str) -> str:
        """A subsequence of `word`, at least one character."""
        keep = data.draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
        return "".join(c for c, k in zip(word, keep, strict=True) if k) or word[0]

    i, j, k = sorted(
        data.draw(st.lists(st.integers(0, len(words) - 1), min_size=3, max_size=3, unique=True))
    )
    two = piece(words[i]) + piece(words[j])
    if len(two) >= 2:
        found = search(two, [name])
        assert [m.text for m in found] == [name] and found[0].score >= 50, two
    three = words[i][-1] + words[j][1] + words[k][1]  # skipping into each next word
    found = search(three, [name], threshold=0)
    assert [m.text for m in found] == [name] and 25 <= found[0].score < 49, three
    assert search(three, [name]) == []


def test_letters_from_three_unrelated_words_are_dropped() -> None:
    names = ["team-3/payments-payments-256", "many-things", "x/my-any", "x-a-p-i"]
    assert texts(search("many", names)) == ["many-things", "x/my-any"]
    spread = search("many", names, threshold=0)[-1]
    assert spread.text == "team-3/payments-payments-256" and 25 <= spread.score < 49
    # m|a|y: each step after the first skips into another word, bar n after a.
    assert spread.positions == (3, 8, 12, 18)
    # Pieces from two words stay; from three words (initials too) they go.
    assert texts(search("acme", ["team-5/cart-media", "team-3/accounts-metrics"])) == [
        "team-3/accounts-metrics"
    ]
    assert texts(search("team-4/api", ["team-4/billing-api", "team-14/ads-api"])) == [
        "team-4/billing-api"
    ]
    assert texts(search("paymnts-wrk", ["team-4/payments-worker"])) == ["team-4/payments-worker"]
    assert search("pwa", ["payments-worker-api"]) == []


def test_spread_names_are_no_typo_fallback() -> None:
    # Nothing matches properly; the spread name is not offered as a typo either.
    assert search("mnay", ["team-3/payments-payments-256"]) == []


# -- the incremental filter ------------------------------------------------------------------


@given(
    alphabet=st.sampled_from([ALPHABET, "aB-"]),  # few letters: long shared prefixes
    data=st.data(),
    limit=st.one_of(st.none(), st.integers(0, 5)),
    threshold=st.sampled_from([0.0, 50.0, 60.0, 85.0]),
)
@settings(max_examples=400, deadline=None)
def test_incremental_filter_equals_search_while_typing_and_deleting(
    alphabet: str, data: st.DataObject, limit: int | None, threshold: float
) -> None:
    names = data.draw(st.lists(st.text(alphabet=alphabet, max_size=10), max_size=60))
    edits = data.draw(st.lists(st.one_of(st.sampled_from(alphabet), st.none()), max_size=14))
    box = IncrementalFilter(names, threshold=threshold)
    query = ""
    for edit in edits:
        query = query[:-1] if edit is None else query + edit
        if query.strip() == "//":  # an empty regular expression
            continue
        result = box.update(query, limit=limit)
        assert list(result.matches) == search(query, names, limit=limit, threshold=threshold)
        assert result.total == len(search(query, names, threshold=threshold))


@given(
    names=st.lists(st.text(max_size=8), max_size=20),
    edits=st.lists(st.text(max_size=2), max_size=8),
)
@settings(max_examples=200, deadline=None)
def test_incremental_filter_equals_search_on_any_text(names: list[str], edits: list[str]) -> None:
    box = IncrementalFilter(names)
    query = ""
    for edit in edits:
        query = query[:-1] if not edit else query + edit
        try:
            expected = search(query, names)
        except ValidationError:
            with pytest.raises(ValidationError):
                box.update(query)
            continue
        assert list(box.update(query).matches) == expected


def test_incremental_filter_counts_every_match_but_returns_the_limit() -> None:
    names = [f"team-{k}/payments-api" for k in range(300)]
    box = IncrementalFilter(names)
    result = box.update("team-1", limit=5)
    # 111 names start with "team-1"; "team-21/..." and the like hold it scattered.
    assert result.total == len(search("team-1", names)) == 111 + 27
    assert texts(list(result.matches)) == ["team-1/payments-api"] + [
        f"team-1{k}/payments-api" for k in range(4)
    ]
    assert box.update("team-1", limit=5) is result  # deleting back reuses the result


def test_set_names_forgets_the_old_list() -> None:
    box = IncrementalFilter(["alpine", "nginx"])
    assert texts(list(box.update("alp").matches)) == ["alpine"]
    box.set_names(["alpaca", "busybox"])
    assert texts(list(box.update("alp").matches)) == ["alpaca"]
    assert box.update("alp").total == 1
    assert box.update("al").total == 1


def test_queries_may_be_parsed_in_advance() -> None:
    query = parse_query("alpine", exact=True)
    box = IncrementalFilter(IMAGES)
    assert list(box.update(query).matches) == search(query, IMAGES)
    assert texts(list(box.update(query).matches)) == ["alpine"]


def test_odd_names_do_not_break_matching() -> None:
    names = ["İstanbul/x", "a\nb", "ß-tag", "\x00x", "", "ΣΑΣ"]
    assert texts(search("stanbul", names)) == ["İstanbul/x"]
    assert ("a\nb", (0, 2)) in [(m.text, m.positions) for m in search("ab", names)]
    assert texts(search("tag", names)) == ["ß-tag"]
    assert [(m.text, m.positions) for m in search("x", names)] == [
        ("İstanbul/x", (9,)),
        ("\x00x", (1,)),
    ]


def test_the_filter_index_is_invisible_to_the_garbage_collector() -> None:
    # A full collection walks every item of every tracked container: over a list of
    # 100,000 names that is ~35 ms in the middle of a keystroke. The index keeps
    # its names in tuples of str and int, which the collector untracks once seen,
    # and set_names has it see them at once.
    box = IncrementalFilter([f"team-{i % 7}/svc-{i}" for i in range(5_000)])
    index = box._steps.index
    held = (index.ids, index.order, index.low, index.name, index.size, index.by_size)
    assert not any(gc.is_tracked(part) for part in (*held, index.marked, box._steps.names))
    box.set_names(["alpine", "Nginx/Web"])  # names with upper case take another path
    assert not gc.is_tracked(box._steps.index.marked)
    assert texts(list(box.update("web").matches)) == ["Nginx/Web"]


def test_mixed_case_names_rank_as_their_lower_case_twins_plus_the_case_bonus() -> None:
    names = ["Team/API", "team/api", "team/apix", "xteam/api"]
    scores = {m.text: m.score for m in search("team/api", names)}
    assert scores["team/api"] == pytest.approx(100.0)  # exact, case agrees
    assert scores["Team/API"] == pytest.approx(99.0)  # exact, case differs
    assert scores["team/api"] > scores["team/apix"] > scores["xteam/api"]


def test_walking_word_starts_by_their_best_score_finds_the_full_ranking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Many names hold each letter at a word start; with a small limit the inner tier
    # walks names by the best score they could reach (_Fuzzy.top_words) and stops early.
    rng = random.Random(3)
    heads = ["ml", "Core", "team-3", "team-12", "x-Y", "sre", "t"]
    words = ["api", "Billing", "ab", "ba", "web", "proxyApp", "b2", "cron", "a"]
    names = [
        "/".join(filter(None, [rng.choice(heads), *rng.sample(words, rng.randint(1, 3))]))
        + rng.choice(["", "-v1", ".x", "-b"])
        for _ in range(3_000)
    ]
    queries = ["a", "b", "A", "ab", "p", "w", "2", "-", "ap", "ro", "c"]

    def ranked() -> dict[tuple[str, int], list[Match]]:
        return {(q, limit): search(q, names, limit=limit) for q in queries for limit in (1, 5, 40)}

    walked = ranked()
    walk = _Fuzzy.top_words
    monkeypatch.setattr(_Fuzzy, "top_words", lambda self, room, _: walk(self, room, 10**9))
    walked_to_the_end = ranked()
    monkeypatch.setattr(_Fuzzy, "top_words", lambda *_: None)
    assert walked == walked_to_the_end == ranked()


def test_a_superseded_update_stops_before_ranking_and_the_next_query_narrows_on() -> None:
    names = [f"team-{i % 9}/payments-api-{i}" for i in range(3000)]
    box = IncrementalFilter(names)
    with pytest.raises(Superseded):
        box.update("pay", limit=20, superseded=lambda: True)
    asked: list[str] = []

    def still_wanted() -> bool:
        asked.append("paym")
        return False

    result = box.update("paym", limit=20, superseded=still_wanted)
    assert asked == ["paym"]
    assert [m.text for m in result.matches] == [m.text for m in search("paym", names, limit=20)]
    assert box.update("pay", limit=20).total == len(search("pay", names))
