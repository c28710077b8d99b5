"""Find names in a list the way a fuzzy finder does: filter, rank, highlight.

Query forms (`parse_query`; blanks around the text are ignored):

- ``alpine``: fuzzy, the default, scored as below. An empty query matches every
  name, in list order, with score 100 and nothing highlighted.
- ``"alpine"`` (or the CLI's ``--exact``): the whole name, case-sensitive as
  registries treat names and tags. The closing quote may be left off.
- ``alp*ne``, ``v1.?``: wildcards over the whole name, case-insensitive; only
  ``*`` and ``?`` are special.
- ``^alpine``, ``alpine$``, ``/alp.*/``, ``/alp.*/i``: a regular expression
  searched anywhere in the name, case-sensitive unless written ``/.../i``.

Every match of a non-fuzzy form scores 100, so those sort by name.

Fuzzy scores run 0-100. With q the query, n = len(q) and L = len(name), letters
compare case-insensitively and c = 1 when the matched characters also agree in
case. A word starts at index 0, after one of ``/ - _ . :`` or where a lower-case
ASCII letter meets an upper-case one. The classes' ranges never overlap:

    exact      name == q                            99 + c
    prefix     name starts with q                   90 + 8 n/L + c
    substring  q at index j: the first word start   80 + 6 n/L + 3/(1+j) + c
               holding it, else its first index     70 + 6 n/L + 3/(1+j) + c
    scattered  q a subsequence of the name, its     50 + 19 (K - 1 + Q) / (n - 1)
               alignment making at most one stray
    spread     q a subsequence, its alignment       25 + 24 (K - 1 + Q) / (n - 1)
               making two strays or more
    typo       nothing above, n >= 4, the name      0.7 partial_ratio(q, name)
               lacks exactly one query character    (rapidfuzz)

For a scattered match K is the length of the longest prefix of q found unbroken
in the name, so more typed characters in one run always rank higher; then
Q = 0.45 n/span + 0.3 w/n + 0.1/(1+start) + 0.1 n/L + 0.05 c (always < 1) for
the first alignment holding that run with each later character as early as
possible: span is its length, start its first index, w how many of its
characters start words. That alignment is the one highlighted.

Each step of that alignment after the run goes to the next matched character.
A step to the very next character (across a separator too), or one that stays
inside the current word, reads as typed; a step that skips characters into a
later word is a *stray*, and every stray adds a word to the match. Two strays
mean pieces picked out of three or more words ("many" in
``team-3/payments-payments-256``: m|a|y; "acme" in ``team-5/cart-media``:
a|c|me), so such a *spread* match scores under 50 and the default threshold
drops it, the way fzf users expect: contiguous runs and matches within two
words stay ("team-4/api" in ``team-4/billing-api``, "paymnts-wrk" in
``payments-worker``), letters scattered across three words go, initials of
three words ("pwa") too.

Names scoring below `threshold` (default 50: only spread matches and typos do)
are dropped; equal scores sort by name, then by index in the list. A name
matching "abc" matches "ab" too, so while typing a filter only re-checks the
last query's survivors.
"""

from __future__ import annotations

import enum
import gc
import heapq
import re
from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import compress, repeat
from operator import (
    add,
    attrgetter,
    contains,
    eq,
    ge,
    gt,
    itemgetter,
    le,
    methodcaller,
    neg,
    not_,
    sub,
)
from typing import Any, cast

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, LCSseq

from engine.errors import ValidationError, shown

__all__ = [
    "FilterResult",
    "IncrementalFilter",
    "Match",
    "Query",
    "QueryKind",
    "Superseded",
    "parse_query",
    "search",
]

SEPARATORS = "/-_.:"
SPREAD_BASE, SPREAD_SCALE = 25.0, 24.0
"""Scores of subsequence matches touching three or more words: 25 up to (not) 49."""
_MARK = "\x00"  # put before every word start in the "marked" copies of the names
_SLASHED = re.compile(r"/(.*)/(i?)", re.DOTALL)
_QUERY_HINT = 'Type fuzzy text, "exact text", wild*cards?, ^regex$ or /regex/i.'
_regs, _first, _groups = attrgetter("regs"), itemgetter(0), methodcaller("groups", None)

# A row while ranking: (-score, name, index, id, detail for positions); sorts best first.
_Row = tuple[float, str, int, int, Any]
_Search = Callable[..., "re.Match[str] | None"]


class QueryKind(enum.Enum):
    """How a query's text matches a name."""

    FUZZY = "fuzzy"
    EXACT = "exact"
    GLOB = "glob"
    REGEX = "regex"


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: its kind, its text and, for globs and regexes, the pattern."""

    kind: QueryKind
    text: str
    pattern: re.Pattern[str] | None = None


class Match:
    """One matching name, with what a list needs to order and highlight it.

    `positions` (indices of the matched characters in `text`, for highlighting)
    may be worked out on first use: a list ranks hundreds of matches per
    keystroke and highlights only the few on screen.
    """

    __slots__ = ("_locate", "_positions", "_row", "index", "score", "text")

    def __init__(
        self,
        text: str,
        score: float,
        positions: tuple[int, ...] | None = None,
        index: int = 0,
        *,
        locate: Callable[[], tuple[int, ...]] | None = None,
    ) -> None:
        self.text = text
        self.score = score
        self.index = index  # position of text in the searched list
        self._positions = positions
        self._locate: Callable[..., tuple[int, ...]] | None = locate
        self._row: Any = None  # for _located's locate(row)

    @classmethod
    def _located(
        cls, text: str, score: float, index: int, locate: Callable[[Any], tuple[int, ...]], row: Any
    ) -> Match:
        """A match whose positions are `locate(row)`: unlike a partial for each match,
        one shared `locate` adds no object for the garbage collector to keep walking."""
        match = cls(text, score, None, index)
        match._locate, match._row = locate, row
        return match

    @property
    def positions(self) -> tuple[int, ...]:
        if self._positions is None:
            locate, row = self._locate, self._row
            self._positions = () if locate is None else locate() if row is None else locate(row)
            self._locate = self._row = None
        return self._positions

    def _key(self) -> tuple[str, float, tuple[int, ...], int]:
        return (self.text, self.score, self.positions, self.index)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        text, score, positions, index = self._key()
        return f"Match(text={text!r}, score={score!r}, positions={positions!r}, index={index!r})"


class Superseded(Exception):
    """`IncrementalFilter.update` stopped: a newer query made this one's ranking moot.

    The query's survivors are found and kept first, so the next, longer query
    still narrows from them.
    """


@dataclass(frozen=True, slots=True)
class FilterResult:
    """The best matches, up to a limit, and how many names matched in all."""

    matches: tuple[Match, ...]
    total: int


def parse_query(text: str, *, exact: bool = False) -> Query:
    """Parse what the user typed; an empty or broken pattern is a ValidationError."""
    raw = text.strip()
    if exact or raw.startswith('"'):
        quoted = len(raw) > 1 and raw[0] == raw[-1] == '"'
        inner = raw[1:-1] if quoted else raw.removeprefix('"')
        if not inner:
            raise ValidationError(f"empty exact query {shown(text)}", hint=_QUERY_HINT)
        return Query(QueryKind.EXACT, inner)
    if slashed := _SLASHED.fullmatch(raw):
        return _regex(raw, slashed[1], 1, re.IGNORECASE if slashed[2] else 0)
    if raw.startswith("^") or raw.endswith("$"):
        return _regex(raw, raw, 0, 0)
    if "*" in raw or "?" in raw:
        # Literal runs become groups so that a match can highlight them.
        parts = (p for p in re.split(r"([*?])", raw) if p)
        body = "".join({"*": ".*", "?": "."}.get(p) or f"({re.escape(p)})" for p in parts)
        return Query(QueryKind.GLOB, raw, re.compile(body, re.IGNORECASE | re.DOTALL))
    return Query(QueryKind.FUZZY, raw.replace(_MARK, ""))


def _regex(raw: str, body: str, offset: int, flags: int) -> Query:
    """A REGEX query, or a ValidationError saying where the expression breaks."""
    if not body:
        raise ValidationError(f"empty regular expression {shown(raw)}", hint=_QUERY_HINT)
    try:
        return Query(QueryKind.REGEX, raw, re.compile(body, flags))
    except re.error as error:
        where = "" if error.pos is None else f" at position {error.pos + offset}"
        raise ValidationError(
            f"invalid regular expression {shown(raw)}: {error.msg}{where}",
            hint="Escape special characters with a backslash, or quote the text to match it as is.",
        ) from None


def _lower(text: str) -> str:
    """`text` lower-cased one character for one, so that indices carry over."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _mark(low: str, name: str) -> str:
    """`low` with _MARK before each word start, judged on the original `name`."""
    out = []
    for k, char in enumerate(low):
        prev = name[k - 1] if k else ""
        start = char not in SEPARATORS and (
            not prev or prev in SEPARATORS or ("a" <= prev <= "z" and "A" <= name[k] <= "Z")
        )
        out.append(_MARK + char if start else char)
    return "".join(out)


class _Index:
    """The names sorted by their lower-cased form: a name's place there is its id.

    Every per-name list is in id order and, where it can be, its strings are
    allocated in that order too; candidate lists stay sorted, so scanning them
    walks memory forwards (~3x faster here than a scattered walk). Names that
    start with a query form one run of ids, found by bisection.
    """

    def __init__(self, names: Sequence[str]) -> None:
        buffer = "\n".join(names).replace(_MARK, "\x01")
        lowered = buffer.lower()  # ~4x faster than name by name
        low = lowered.split("\n")
        simple = len(lowered) == len(buffer) and len(low) == len(names)  # no odd Unicode, no \n
        if not simple:
            low = [_lower(name.replace(_MARK, "\x01")) for name in names]
        self.ids = tuple(range(len(names)))  # slices of it share int objects: no allocation
        self.order = tuple(sorted(self.ids, key=low.__getitem__))  # id -> index in the list
        # Fresh copies, allocated in id order; names are only read for the rows shown.
        ordered = map(low.__getitem__, self.order)
        self.low = tuple("\n".join(ordered).split("\n") if simple else ordered)
        self.name = tuple(map(names.__getitem__, self.order))
        # Names with upper case need a closer look for case bonuses and camelCase words.
        self.upper: set[int] = set()
        if lowered != buffer:
            self.upper = {
                p for p, (a, b) in enumerate(zip(self.name, self.low, strict=True)) if a != b
            }
        # Stable: equal lengths stay in id order, which is by name, then index.
        self.size = tuple(map(len, self.low))
        self.by_size = tuple(sorted(self.ids, key=self.size.__getitem__))
        self.marked = tuple(self._marks(simple))
        # For _Fuzzy.top_words: each name's second word start, as its mark's index in
        # `marked` (-1 for none); the ids sorted by it, then by length, then by id; and
        # the runs of equal (second word start, length) there: (second, length, begin, end).
        second = list(map(str.find, self.marked, repeat(_MARK), repeat(1)))
        self.by_word = tuple(sorted(self.by_size, key=second.__getitem__))  # stable
        runs, end = [], 0
        for (mark, size), count in sorted(Counter(zip(second, self.size, strict=True)).items()):
            begin, end = end, end + count
            if mark >= 0:
                runs.append((mark, size, begin, end))
        self.word_runs = tuple(runs)

    def _marks(self, simple: bool) -> list[str]:
        """The lower-cased names with _MARK before each word start."""
        if not simple:
            return list(map(_mark, self.low, self.name))
        # str.replace over the joined names is ~4x faster than a regex or a loop.
        buffer = "\n" + "\n".join(self.low)
        for sep in SEPARATORS + "\n":
            buffer = buffer.replace(sep, sep + _MARK)
        for sep in SEPARATORS + "\n":
            buffer = buffer.replace(_MARK + sep, sep)  # separators never start words
        marked = buffer.removesuffix(_MARK).split("\n")[1:]
        for p in self.upper:
            marked[p] = _mark(self.low[p], self.name[p])
        return marked

    def lows(self, ids: Iterable[int]) -> list[str]:
        """The lower-cased names of `ids`."""
        return list(map(self.low.__getitem__, ids))


@dataclass(slots=True)
class _Step:
    """The ids of the names that survive one lower-cased fuzzy query, by class."""

    query: str
    start: int  # ids start:stop begin with the query (exact ones too)
    stop: int
    rest: tuple[int, ...]  # the other survivors, sorted: inner and scattered together
    lows: tuple[str, ...]  # the lower-cased names of rest
    inner: tuple[int, ...]  # hold it as a substring further on; sorted
    scattered: tuple[int, ...]  # hold it only as a subsequence within two words; sorted
    spread: tuple[int, ...] = ()  # hold it only as a subsequence over 3+ words; sorted

    def size(self) -> int:
        """How many names survive."""
        return self.stop - self.start + len(self.rest)


def _lcs_at_least(ql: str, low: Sequence[str], cutoff: int) -> list[int]:
    """Positions in `low` whose longest common subsequence with `ql` reaches `cutoff`."""
    # rapidfuzz's bit-parallel LCS in C is the fastest subsequence test (~60 ns a name);
    # extract_iter frees each hit at once, where extract's list costs ~5x more cold.
    hits = process.extract_iter(ql, low, scorer=LCSseq.similarity, score_cutoff=cutoff)
    return [hit[2] for hit in hits]


class _Steps:
    """Recent fuzzy steps, so that a longer query re-checks only earlier survivors.

    A name matching "abc" also matches "ab"; a deleted character brings back a step
    that is still cached.
    """

    def __init__(self, names: Sequence[str], size: int = 24) -> None:
        self.names = tuple(names)
        self._index: _Index | None = None
        self._size = size
        self._cache: OrderedDict[str, _Step] = OrderedDict()

    @property
    def index(self) -> _Index:
        """The sorted index, built on first use (exact and regex queries never need it)."""
        if self._index is None:
            self._index = _Index(self.names)
        return self._index

    def get(self, ql: str) -> _Step:
        """The step for `ql`, narrowed from the smallest cached step it extends."""
        step = self._cache.get(ql)
        if step is None:
            step = self._cache[ql] = self._narrow(ql)
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        self._cache.move_to_end(ql)
        return step

    def _narrow(self, ql: str) -> _Step:
        """Find the survivors of `ql` among those of the best cached step it extends."""
        ix = self.index
        low, every = ix.low, ix.ids
        start = bisect_left(low, ql)
        stop = bisect_left(low, ql + "\U0010ffff", start)
        while stop < len(low) and low[stop].startswith(ql):  # names holding U+10FFFF
            stop += 1
        # Whatever starts with "abc" starts with "ab", so the prefixes are one sorted run;
        # the other survivors can only be names that held an earlier query some other way.
        parent = min(
            (step for key, step in self._cache.items() if ql.startswith(key) and key != ql),
            key=_Step.size,
            default=None,
        )
        ids: Sequence[int]
        lows: Sequence[str]
        if parent is None:
            ids, lows = every[:start] + every[stop:], low[:start] + low[stop:]
            if len(ql) == 1:  # one character is a subsequence only where it is a substring
                flags = list(map(contains, lows, repeat(ql)))
                rest = tuple(compress(ids, flags))
                return _Step(ql, start, stop, rest, tuple(compress(lows, flags)), rest, ())
        else:
            # In id order: the parent's other survivors, all outside its run of prefixes,
            # around the names of that run that no longer start with the query.
            rest, cut = parent.rest, bisect_left(parent.rest, parent.start)
            rest_lows = parent.lows
            ids = [*rest[:cut], *every[parent.start : start], *every[stop : parent.stop]]
            ids += rest[cut:]
            lows = [*rest_lows[:cut], *low[parent.start : start], *low[stop : parent.stop]]
            lows += rest_lows[cut:]
        # One subsequence test a name (substrings pass it too), then a substring test
        # for the survivors only: most candidates fail the first.
        hits = _lcs_at_least(ql, lows, len(ql))
        ids, lows = list(map(ids.__getitem__, hits)), tuple(map(lows.__getitem__, hits))
        flags = list(map(contains, lows, repeat(ql)))
        inner = tuple(compress(ids, flags))
        others = list(compress(ids, map(not_, flags)))
        if len(ql) < 3 or not others:  # two strays need three characters
            return _Step(ql, start, stop, tuple(ids), lows, inner, tuple(others))
        other_lows = list(compress(lows, map(not_, flags)))
        fits = _few_strays(ql, others, other_lows, ix.marked)
        scattered = tuple(compress(others, fits))
        spread = tuple(compress(others, map(not_, fits)))
        return _Step(ql, start, stop, tuple(ids), lows, inner, scattered, spread)


def _few_strays(
    ql: str, ids: Sequence[int], lows: Sequence[str], marked: Sequence[str]
) -> list[bool]:
    """For each of `ids` (names holding `ql` as a subsequence, not a substring), whether
    its shown alignment makes fewer than two stray steps (see the module docstring)."""
    n = len(ql)
    fits = [True] * len(ids)
    places = list(range(len(ids)))
    # Group by the longest unbroken prefix k, as the ranking does: with k = n - 1 only
    # the last step can stray, so only shorter runs need a look. All of it runs in C,
    # bar a Python step per spread name.
    for k in range(n - 1, 0, -1):
        if not places:
            break
        held = list(map(contains, map(lows.__getitem__, places), repeat(ql[:k])))
        group = list(compress(places, held))
        places = list(compress(places, map(not_, held)))
        if not group:
            continue
        texts = list(map(marked.__getitem__, map(ids.__getitem__, group)))
        unset: list[int] = []
        if k == n - 1:
            # One step after the run cannot stray twice. The last character follows some
            # run if it follows the first; where not, the alignment falls back as below.
            group_lows = list(map(lows.__getitem__, group))
            ends = map(add, map(str.find, group_lows, repeat(ql[:k])), repeat(k))
            missing = list(map(gt, repeat(0), map(str.find, group_lows, repeat(ql[k]), ends)))
        else:
            unset = _unset_groups(ql, k, texts)
            missing = list(map(eq, unset, repeat(n - k + 1)))
        if any(missing):  # the run occurs only where the rest cannot follow: as scattered()
            again = _unset_groups(ql, 1, compress(texts, missing))
            _mark_spread(fits, compress(group, missing), again, n - 3)
        if unset:
            kept = list(map(not_, missing))
            _mark_spread(fits, compress(group, kept), compress(unset, kept), n - k - 2)
    return fits


def _unset_groups(ql: str, k: int, texts: Iterable[str]) -> list[int]:
    """How many groups of `_stray_search(ql, k)` each text leaves unset (n - k + 1: none
    found). Each match dies at once: thousands kept alive would wake the garbage
    collector, which then walks every object the process holds."""
    found = map(_stray_search(ql, k), texts)
    return list(map(tuple.count, map(_groups, found), repeat(None)))


def _mark_spread(fits: list[bool], places: Iterable[int], unset: Iterable[int], most: int) -> None:
    """Set `fits` false where at most `most` stray groups are unset: two strays or more."""
    for place in compress(places, map(le, unset, repeat(most))):
        fits[place] = False


@lru_cache(maxsize=256)
def _stray_search(ql: str, k: int) -> _Search:
    """A search of a marked name for the alignment a scattered match shows (`_Fuzzy.pattern`):
    `ql[:k]` unbroken, then each later character as early as possible.

    Each later step is atomic (one way to match: linear in the name) and tries, in
    order: inside the current word, the very next character past a word mark, anywhere;
    the last, a stray step, sets an empty group, so `groups()` counts the strays.
    """
    esc = [re.escape(char) for char in ql]
    run = esc[0] + "".join(f"{_MARK}?{c}" for c in esc[1:k])
    m = _MARK
    # Each alternative takes the earliest c, possessively (nothing to backtrack): inside
    # the word (no mark on the way), the next character after a mark, or else a stray.
    steps = (f"(?>[^{m}{c}]*+{c}|{m}{c}|[^{c}]*+{c}())" for c in esc[k:])
    # A search always finds something: the alignment, with a last group set, or else
    # the empty end of the text with every group unset.
    return re.compile(f"{run}{''.join(steps)}()|\\Z", re.DOTALL).search


def _contiguous(n: int, base: float, a: float, b: float, size: int, j: int, c: bool) -> float:
    """The score of q found unbroken at index j of a name of `size` characters."""
    return base + c + a * n / size + b / (1 + j) + (size == n)


class _Memo(dict[tuple[int, int], float]):
    """Scores by (name length, first index), each worked out on first use."""

    def __init__(self, score: Callable[[int, int], float]) -> None:
        super().__init__()
        self.score = score

    def __missing__(self, key: tuple[int, int]) -> float:
        value = self[key] = self.score(*key)
        return value


class _Fuzzy:
    """Ranks one fuzzy query's survivors class by class, as the module docstring says."""

    def __init__(self, steps: _Steps, query: str) -> None:
        self.steps, self.ix = steps, steps.index
        self.query, self.ql = query, _lower(query)
        self.n = len(self.ql)
        self.lowered = query == self.ql  # with no upper case anywhere, case always agrees
        self.patterns: dict[tuple[int, bool], _Search] = {}
        self.run = (0, 0)  # the ids that start with the query, once ranking started

    def rank(
        self, want: int, threshold: float, superseded: Callable[[], bool] | None = None
    ) -> tuple[list[_Row], int]:
        """The best `want` rows, best first, and how many names reach `threshold`."""
        step = self.steps.get(self.ql)
        if superseded is not None and superseded():
            raise Superseded(self.query)
        self.run = (step.start, step.stop)
        rows: list[_Row] = []
        total = 0
        tiers: list[tuple[float, Sequence[int], Callable[[Sequence[int], int], list[_Row]]]] = [
            (90.0, self.ix.ids[step.start : step.stop], self.top_prefix),
            (70.0, step.inner, self.top_inner),
            (50.0, step.scattered, self.top_scattered),
            (SPREAD_BASE, step.spread, self.top_spread),
        ]
        for floor, ids, top in tiers:
            room = want - len(rows)
            if top == self.top_spread and threshold >= SPREAD_BASE + SPREAD_SCALE:
                continue  # none of them can reach the threshold: do not score them
            if floor >= threshold:  # all of them pass: count them, score only what shows
                total += len(ids)
                if room > 0 and ids:
                    rows += top(ids, room)
            elif ids:
                passed = [row for row in top(ids, len(ids)) if -row[0] >= threshold]
                total += len(passed)
                rows += passed[: max(room, 0)]
        if total == 0 and self.n >= 4:
            rows, total = self.typos(step, want, threshold)
        return rows, total

    def uniform(self, ids: Sequence[int]) -> bool:
        """Whether none of `ids` holds upper case, so case agreement is the query's."""
        return not self.ix.upper or self.ix.upper.isdisjoint(ids)

    def best(
        self, room: int, ids: Sequence[int], scores: Iterable[float], details: Iterable[Any]
    ) -> list[_Row]:
        """The `room` best rows, best first.

        Only names scoring at least the `room`-th best score become rows: sorting
        the bare floats and the few rows in C is ~3x faster than a heap in Python.
        """
        ranked = list(scores)
        if len(ranked) > room:
            if room <= 0:
                return []
            cutoff = sorted(ranked, reverse=True)[room - 1]
            keep = list(map(ge, ranked, repeat(cutoff)))
            ids, ranked = list(compress(ids, keep)), list(compress(ranked, keep))
            details = compress(details, keep)
        name, order = self.ix.name.__getitem__, self.ix.order.__getitem__
        rows = zip(map(neg, ranked), map(name, ids), map(order, ids), ids, details, strict=False)
        return sorted(rows)[:room]

    def scores(
        self, ids: Sequence[int], base: float, firsts: list[int], a: float, b: float
    ) -> Iterable[float]:
        """The scores of `ids` with q at `firsts`: base + a n/L + b/(1+j) + c, + 1 when exact."""
        n, query, name = self.n, self.query, self.ix.name
        sizes = list(map(self.ix.size.__getitem__, ids))
        score = partial(_contiguous, n, base, a, b)
        if self.uniform(ids):
            # Case agrees for all or none: a score depends on (L, j) alone, and a query's
            # names share few such pairs, so look each up (in C) rather than work it out.
            memo = _Memo(partial(score, c=self.lowered))
            return map(memo.__getitem__, zip(sizes, firsts, strict=True))
        agree = (name[p][j : j + n] == query for p, j in zip(ids, firsts, strict=True))
        return map(score, sizes, firsts, agree)

    def contiguous(
        self, room: int, ids: Sequence[int], base: float, firsts: list[int], a: float, b: float
    ) -> list[_Row]:
        """The best rows with q at `firsts`, scored as `scores` says."""
        return self.best(room, ids, self.scores(ids, base, firsts, a, b), firsts)

    def top_prefix(self, ids: Sequence[int], room: int) -> list[_Row]:
        ix = self.ix
        start, stop = (ids[0], ids[-1] + 1) if ids else (0, 0)
        if len(ids) > 4 * room and self.uniform(ids):
            # Case agrees for all or none, so shorter scores higher and equal lengths tie:
            # walking ids by length, the first `room` in the run are the best. That takes
            # room * len(names) / len(ids) steps: at most a quarter of the names.
            chosen: list[int] = []
            for p in ix.by_size:
                if start <= p < stop:
                    chosen.append(p)
                    if len(chosen) == room:
                        break
            ids = chosen
        return self.contiguous(room, ids, 90.0, [0] * len(ids), 8.0, 0.0)

    def top_inner(self, ids: Sequence[int], room: int) -> list[_Row]:
        if len(ids) > 16 * room and (self.lowered or not self.ix.upper):
            rows = self.top_words(room, len(ids) // 12)
            if rows is not None:
                return rows
        marked, word = self.ix.marked, _MARK + self.ql
        flags = list(map(contains, map(marked.__getitem__, ids), repeat(word)))
        at_word = list(compress(ids, flags))
        rows = self.contiguous(room, at_word, 80.0, self.word_firsts(at_word), 6.0, 3.0)
        if len(rows) < room:  # word-start matches outrank the rest: score it only if needed
            inside = list(compress(ids, map(not_, flags)))
            firsts = list(map(str.find, self.ix.lows(inside), repeat(self.ql)))
            rows += self.contiguous(room - len(rows), inside, 70.0, firsts, 6.0, 3.0)
        return rows

    def word_firsts(self, ids: Sequence[int]) -> list[int]:
        """Where q starts in each of `ids`, at the first word start holding it."""
        texts = list(map(self.ix.marked.__getitem__, ids))
        marks = list(map(str.find, texts, repeat(_MARK + self.ql)))
        # Characters before the word's mark, not counting the marks themselves.
        return list(map(sub, marks, map(str.count, texts, repeat(_MARK), repeat(0), marks)))

    def top_words(self, room: int, budget: int) -> list[_Row] | None:
        """The best `room` rows of names holding q at a word start after their first, or
        None if there are fewer or finding them would look at more than `budget` names.

        A one-letter query can hold most names at a word start, and finding where
        costs ~0.5 us a name; only a few hundred of them show. Such a start is no
        earlier than the name's second word, so the score with q there bounds the
        name's score (the case bonus is the query's, or at most 1 with a lower-case
        query). So walk the runs of names of one length and second word start from
        the best bound down: once a run's bound is below the `room`-th best score
        found so far, no name left can show.
        """
        ix, (start, stop), word = self.ix, self.run, _MARK + self.ql
        bound = partial(_contiguous, self.n, 80.0, 6.0, 3.0, c=self.lowered)
        # A mark at index m >= 1 in `marked` is at index m - 1 or m in the name.
        runs = sorted(
            ((bound(size, mark - 1), begin, end) for mark, size, begin, end in ix.word_runs),
            reverse=True,
        )

        def hits(begin: int, end: int) -> list[int]:
            chunk = ix.by_word[begin:end]
            held = compress(chunk, map(contains, map(ix.marked.__getitem__, chunk), repeat(word)))
            return [p for p in held if not start <= p < stop]  # prefixes rank elsewhere

        found: list[int] = []
        firsts: list[int] = []
        scores: list[float] = []
        cutoff, checked = -1.0, 0  # the room-th best score so far, and of how many
        for top, begin, end in runs:
            if top < cutoff:
                break
            budget -= end - begin
            if budget < 0:
                return None
            more = hits(begin, end)
            found += more
            firsts += (where := self.word_firsts(more))
            scores += self.scores(more, 80.0, where, 6.0, 3.0)
            if len(found) >= max(room, 2 * checked):  # raise the cutoff now and then
                cutoff, checked = sorted(scores, reverse=True)[room - 1], len(found)
        if len(found) < room:
            return None
        return self.best(room, found, scores, firsts)

    def top_spread(self, ids: Sequence[int], room: int) -> list[_Row]:
        return self.top_scattered(ids, room, SPREAD_BASE, SPREAD_SCALE)

    def top_scattered(
        self, ids: Sequence[int], room: int, base: float = 50.0, scale: float = 19.0
    ) -> list[_Row]:
        rows: list[_Row] = []
        lows = self.ix.lows(ids)
        # A longer unbroken prefix ranks first: walk the lengths down, stop once full.
        for k in range(self.n - 1, 0, -1):
            if len(rows) >= room or not ids:
                break
            flags = list(map(contains, lows, repeat(self.ql[:k])))
            chosen = list(compress(ids, flags))
            rows += self.scattered(room - len(rows), chosen, k, base, scale)
            others = list(map(not_, flags))
            ids, lows = list(compress(ids, others)), list(compress(lows, others))
        return rows

    def pattern(self, k: int, marks: bool) -> _Search:
        """A search for q with its first `k` characters unbroken (word marks aside),
        grouping each later character's mark, or with `marks` false each character."""
        if (k, marks) not in self.patterns:
            esc = [re.escape(char) for char in self.ql]
            parts = [f"({_MARK})?{e}" if marks else f"{_MARK}?({e})" for e in esc]
            parts[0] = esc[0] if marks else f"({esc[0]})"  # a literal start: ~4x faster
            body = "".join(parts[:k]) + "".join(f".*?{part}" for part in parts[k:])
            self.patterns[k, marks] = re.compile(body, re.DOTALL).search
        return self.patterns[k, marks]

    def scattered(
        self, room: int, ids: Sequence[int], k: int, base: float = 50.0, scale: float = 19.0
    ) -> list[_Row]:
        """The best rows of subsequence matches whose longest unbroken prefix is `k` long."""
        n, ix = self.n, self.ix
        marked = list(map(ix.marked.__getitem__, ids))
        found = list(map(self.pattern(k, True), marked))  # str and re in C: ~3x faster
        for i, m in enumerate(found):
            if m is None:  # the unbroken prefix occurs only where the rest cannot follow
                found[i] = self.pattern(1, True)(marked[i])
        # regs: the match's span, then each later character's mark's, (-1, -1) for none.
        regs = list(map(_regs, cast(list[re.Match[str]], found)))
        agree: Iterable[bool] = repeat(self.lowered)
        if not self.uniform(ids):
            agree = map(self.scattered_agrees, ids, repeat(k))
        count, skipped, lows = str.count, (-1, -1), ix.lows(ids)
        quality = (
            0.45 * n / (end - start - count(ms, _MARK, start, end))  # span
            + 0.3 * (n - 1 - r.count(skipped) + (ms[start - 1] == _MARK)) / n  # w
            + 0.1 / (1 + start - count(ms, _MARK, 0, start))
            + 0.1 * n / len(s)
            + 0.05 * c
            for ms, r, (start, end), s, c in zip(
                marked, regs, map(_first, regs), lows, agree, strict=False
            )
        )
        scores = (base + scale * (k - 1 + q) / (n - 1) for q in quality)
        return self.best(room, ids, scores, repeat((k,)))

    def scattered_at(self, p: int, k: int) -> tuple[int, ...]:
        """Indices in name `p` of the characters matched with an unbroken prefix of `k`."""
        ms = self.ix.marked[p]
        found = self.pattern(k, False)(ms) or self.pattern(1, False)(ms)
        if found is None:  # cannot happen: the name matched when it was scored
            return ()
        firsts = (found.start(g) for g in range(1, self.n + 1))
        return tuple(j - ms.count(_MARK, 0, j) for j in firsts)

    def scattered_agrees(self, p: int, k: int) -> bool:
        """Whether name `p`'s scattered match agrees in case with the query."""
        name = self.ix.name[p]
        return all(name[j] == c for j, c in zip(self.scattered_at(p, k), self.query, strict=True))

    def typos(self, step: _Step, want: int, threshold: float) -> tuple[list[_Row], int]:
        """Rows for names one edit away, when nothing matched properly."""
        ix, strict = self.ix, {*step.inner, *step.scattered, *step.spread}
        ids = [ix.ids[k] for k in _lcs_at_least(self.ql, ix.low, self.n - 1)]  # ~10 ms per 100k
        ids = [p for p in ids if not step.start <= p < step.stop and p not in strict]
        # rapidfuzz's C loop applies the cut-off; the exact test below settles rounding.
        cutoff = min(max(threshold / 0.7 - 1e-6, 0.0), 100.0)
        hits = process.extract_iter(
            self.ql, ix.lows(ids), scorer=fuzz.partial_ratio, score_cutoff=cutoff
        )
        kept = [(ids[k], 0.7 * score) for _, score, k in hits if 0.7 * score >= threshold]
        found = [p for p, _ in kept]
        return self.best(want, found, (score for _, score in kept), repeat(None)), len(kept)

    def positions(self, row: _Row) -> tuple[int, ...]:
        """The highlighted characters of a row's name."""
        p, detail = row[3], row[4]
        if isinstance(detail, int):
            return tuple(range(detail, detail + self.n))
        if isinstance(detail, tuple):
            return self.scattered_at(p, detail[0])
        low = self.ix.low[p]
        where = fuzz.partial_ratio_alignment(self.ql, low)
        if where is None:
            return ()
        query, window = (
            self.ql[where.src_start : where.src_end],
            low[where.dest_start : where.dest_end],
        )
        same = (op for op in Indel.opcodes(query, window) if op.tag == "equal")
        return tuple(where.dest_start + j for op in same for j in range(op.dest_start, op.dest_end))


def _rank_plain(names: Sequence[str], query: Query, want: int) -> FilterResult:
    """Exact, wildcard and regex queries: score 100 for every match, by name."""
    hits: list[tuple[int, re.Match[str] | None]]
    if query.pattern is None:
        hits = [(i, None) for i in compress(range(len(names)), map(eq, names, repeat(query.text)))]
    else:
        find = query.pattern.fullmatch if query.kind is QueryKind.GLOB else query.pattern.search
        hits = [(i, m) for i, m in enumerate(map(find, names)) if m]
    best = heapq.nsmallest(want, ((names[i], i, m) for i, m in hits))
    glob = query.kind is QueryKind.GLOB

    def positions(name: str, found: re.Match[str] | None) -> tuple[int, ...]:
        """All of an exact match, a glob's literal runs (its groups) or a regex's match."""
        if found is None:
            return tuple(range(len(name)))
        groups = range(1, found.re.groups + 1) if glob else (0,)
        return tuple(j for g in groups for j in range(*found.span(g)))

    matches = tuple(Match(name, 100.0, positions(name, m), i) for name, i, m in best)
    return FilterResult(matches, len(hits))


def _run(
    steps: _Steps,
    query: str | Query,
    limit: int | None,
    threshold: float,
    superseded: Callable[[], bool] | None = None,
) -> FilterResult:
    """The shared body of search() and IncrementalFilter.update()."""
    if limit is not None and limit < 0:
        raise ValidationError(f"the result limit must not be negative, got {limit}")
    parsed = query if isinstance(query, Query) else parse_query(query)
    names = steps.names
    want = len(names) if limit is None else limit
    if parsed.kind is not QueryKind.FUZZY:
        return _rank_plain(names, parsed, want)
    if not parsed.text:  # what a list shows while its filter box is empty
        everything = tuple(Match(name, 100.0, (), i) for i, name in enumerate(names[:want]))
        return FilterResult(everything, len(names))
    fuzzy = _Fuzzy(steps, parsed.text)
    rows, total = fuzzy.rank(want, threshold, superseded)
    locate = fuzzy.positions
    matches = tuple(Match._located(r[1], -r[0], r[2], locate, r) for r in rows)
    return FilterResult(matches, total)


def search(
    query: str | Query,
    names: Sequence[str],
    *,
    limit: int | None = None,
    threshold: float = 50.0,
) -> list[Match]:
    """The names matching `query`, best first; see the module docstring for the rules."""
    return list(_run(_Steps(names), query, limit, threshold).matches)


class IncrementalFilter:
    """Filters one list of names as the user types, reusing earlier results.

    Not thread-safe: keep each filter to one thread (or one worker) at a time.
    """

    def __init__(self, names: Sequence[str], *, threshold: float = 50.0) -> None:
        self.threshold = threshold
        self.set_names(names)

    def set_names(self, names: Sequence[str]) -> None:
        """Start over with a new list (e.g. after a refresh): nothing cached survives."""
        self._steps = _Steps(names)
        self._steps.index  # noqa: B018 - build it now rather than on the first keystroke
        # The index is tuples of str and int, which the garbage collector stops
        # tracking the first time it looks at them; that look walks every item
        # (~30 ms for 100,000 names), so have it now rather than mid-keystroke.
        gc.collect(0)
        self._results: OrderedDict[tuple[str | Query, int | None], FilterResult] = OrderedDict()

    def update(
        self,
        query: str | Query,
        *,
        limit: int | None = None,
        superseded: Callable[[], bool] | None = None,
    ) -> FilterResult:
        """What search() finds for `query`, plus the total; fast while typing or deleting.

        `superseded`, asked once a fuzzy query's survivors are found, can stop the
        ranking: true raises `Superseded` (another thread's newer keystroke, say).
        """
        key = (query, limit)
        result = self._results.get(key)
        if result is None:  # else a deleted character brought back an earlier query
            found = _run(self._steps, query, limit, self.threshold, superseded)
            result = self._results[key] = found
            if len(self._results) > 64:
                self._results.popitem(last=False)
        self._results.move_to_end(key)
        return result
