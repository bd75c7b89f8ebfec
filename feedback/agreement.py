"""Agreement measures: Krippendorff's alpha under each distance, accumulated unit by unit.

    alpha = 1 - (n - 1) * sum(o_ck * d(c, k)) / sum(n_c * n_k * d(c, k))

with o_ck the coincidences of values c and k within units (each ordered pair of a unit
with m values weighs 1 / (m - 1)), n_c the margins (how often c is a pairable value),
n the pairable values and d the distance (Krippendorff's squared difference). Units
with fewer than two values are not pairable and count for nothing. Alpha is 1 for
perfect agreement, 0 for agreement at chance, below 0 for systematic disagreement; it
is undefined (None) when nothing is pairable or nothing differs.

The distances (`level`):

* over one value per unit, from a coincidence matrix (`Agreement`, values x values):
  - `nominal`: 0 if equal, else 1;
  - `interval`: (c - k)^2;
  - `ordinal`: (sum of the margins n_g from c to k, both included, - (n_c + n_k) / 2)^2,
    Krippendorff's rank distance, computed from the margins once all units are in;
* over a whole answer per unit (`AnswerAgreement`; the observed part is summed unit by
  unit, the expected part from a pool of the pairable values):
  - `jaccard`: 1 - |A & B| / |A | B| between two sets of labels. Chosen over MASI: it is
    a true metric (MASI's fixed 2/3 and 1/3 weights for subsets and overlaps are not, and
    are arbitrary on a label set), and it reads in one line: the share of the labels either
    labeler chose that only one of them chose;
  - `kendall_tau`: the normalised Kendall tau distance between two rankings of the same
    options, with ties (Fagin et al. 2006, K with penalty 1/2): over every pair of
    options, 1 if one ranking puts them one way and the other the other way, 1/2 if one
    ties them and the other does not, 0 otherwise, divided by the number of pairs.
    Chosen over Spearman's footrule because it counts exactly the pairwise preferences
    that preference exports turn into (chosen, rejected) pairs.

Every accumulator takes a `count`: that many units with the same values, added once
(the dashboard groups a dataset's records by their answers, so that a pattern met a
thousand times costs one addition). Memory stays flat as units stream in: a coincidence matrix is values x values of a
question's fixed scale or options; the Jaccard pool holds one count per distinct set of
labels; the Kendall pool holds three counts per pair of options (Kendall's distance is
a sum over option pairs, so the expected part needs no list of rankings).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Protocol

NOMINAL, ORDINAL, INTERVAL = "nominal", "ordinal", "interval"
JACCARD, KENDALL_TAU = "jaccard", "kendall_tau"
LEVELS = (NOMINAL, ORDINAL, INTERVAL, JACCARD, KENDALL_TAU)
# What one unit is: a record (its answers compared whole), or a record's option (or label).
RECORD, RECORD_OPTION = "record", "record_option"
UNITS = (RECORD, RECORD_OPTION)

METRIC = "krippendorff_alpha"


@dataclass(frozen=True)
class Measure:
    """One agreement measure a question type reports: alpha under `level`, over `unit`s."""

    level: str
    unit: str


# Distances between two whole answers -----------------------------------------------


def jaccard_distance(a: frozenset[Any], b: frozenset[Any]) -> float:
    """1 - |a & b| / |a | b|; two empty sets are equal (0)."""
    union = len(a | b)
    return 1.0 - len(a & b) / union if union else 0.0


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def kendall_tau_distance(a: Sequence[float], b: Sequence[float]) -> float:
    """The normalised Kendall tau distance with ties (penalty 1/2) between two rankings
    of the same options, given as ranks in the same option order (1 = best)."""
    if len(a) != len(b):
        raise ValueError("rankings of different options")
    pairs = list(combinations(range(len(a)), 2))
    if not pairs:
        return 0.0
    return sum(abs(_sign(a[i] - a[j]) - _sign(b[i] - b[j])) for i, j in pairs) / (2 * len(pairs))


# Alpha over a coincidence matrix (nominal, ordinal, interval) ----------------------


def unit_coincidences(values: Sequence[Hashable]) -> dict[tuple[Hashable, Hashable], float]:
    """One unit's coincidences: each ordered pair of its values weighs 1 / (m - 1);
    nothing when the unit has fewer than two values (not pairable)."""
    m = len(values)
    cells: dict[tuple[Hashable, Hashable], float] = {}
    if m < 2:
        return cells
    counts = Counter(values)
    for c, n_c in counts.items():
        for k, n_k in counts.items():
            pairs = n_c * (n_c - 1) if c == k else n_c * n_k
            if pairs:
                cells[(c, k)] = pairs / (m - 1)
    return cells


@dataclass
class Agreement:
    """Krippendorff's alpha over one value per unit (`nominal`, `ordinal`, `interval`),
    from a coincidence matrix accumulated unit by unit."""

    level: str
    coincidences: defaultdict[tuple[Hashable, Hashable], float] = field(default_factory=lambda: defaultdict(float))
    units: int = 0

    def add_unit(self, values: Sequence[Hashable], count: int = 1) -> None:
        """One unit, or `count` units with the same values (added once, weighted)."""
        if len(values) < 2:
            return
        self.units += count
        for cell, weight in unit_coincidences(values).items():
            self.coincidences[cell] += count * weight

    @property
    def pairable_values(self) -> int:
        return round(sum(self.coincidences.values()))

    def distance(self, margins: dict[Any, float]) -> Callable[[Any, Any], float]:
        if self.level == NOMINAL:
            return lambda c, k: 0.0 if c == k else 1.0
        if self.level == INTERVAL:
            return lambda c, k: float(c - k) ** 2
        if self.level == ORDINAL:
            # cumulative[v]: the margins of every value up to v, v included.
            cumulative, total = {}, 0.0
            for value in sorted(margins):
                total += margins[value]
                cumulative[value] = total

            def ordinal(c: Any, k: Any) -> float:
                low, high = (c, k) if c <= k else (k, c)
                between = cumulative[high] - cumulative[low] + margins[low]
                return (between - (margins[low] + margins[high]) / 2) ** 2

            return ordinal
        raise ValueError(f"no coincidence distance {self.level!r}")

    def alpha(self) -> float | None:
        margins: defaultdict[Hashable, float] = defaultdict(float)
        for (c, _), count in self.coincidences.items():
            margins[c] += count
        n = sum(margins.values())
        if n <= 1:
            return None
        distance = self.distance(margins)
        observed = sum(count * distance(c, k) for (c, k), count in self.coincidences.items())
        expected = sum(n_c * n_k * distance(c, k) for c, n_c in margins.items() for k, n_k in margins.items())
        if expected == 0:
            return None  # every value the same: agreement is not measurable
        return 1.0 - (n - 1) * observed / expected


# Alpha over whole answers (jaccard, kendall_tau) ------------------------------------


class Pool(Protocol):
    """The pairable values of every unit, kept as little as the distance allows."""

    def add(self, value: Any, count: int = 1) -> None: ...

    def pairwise_sum(self) -> float:
        """sum(d(x, y)) over every ordered pair (x, y) of the pooled values."""
        ...


class SetPool:
    """One count per distinct set of labels."""

    def __init__(self) -> None:
        self.counts: Counter[frozenset[Any]] = Counter()

    def add(self, value: frozenset[Any], count: int = 1) -> None:
        self.counts[value] += count

    def pairwise_sum(self) -> float:
        items = list(self.counts.items())
        return 2 * sum(n_a * n_b * jaccard_distance(a, b) for (a, n_a), (b, n_b) in combinations(items, 2))


class RankingPool:
    """Per pair of options, how many rankings put the first ahead (-1), tie them (0), or
    put the second ahead (+1): Kendall's distance is a sum over pairs of options."""

    def __init__(self) -> None:
        self.signs: defaultdict[tuple[int, int], Counter[int]] = defaultdict(Counter)
        self.options = 0

    def add(self, value: Sequence[float], count: int = 1) -> None:
        self.options = len(value)
        for i, j in combinations(range(len(value)), 2):
            self.signs[(i, j)][_sign(value[i] - value[j])] += count

    def pairwise_sum(self) -> float:
        pairs = self.options * (self.options - 1) // 2
        if not pairs:
            return 0.0
        total = 0.0
        for counts in self.signs.values():
            for s, n_s in counts.items():
                for t, n_t in counts.items():
                    total += n_s * n_t * abs(s - t) / 2
        return total / pairs


POOLS: dict[str, tuple[Callable[[Any, Any], float], Callable[[], Pool]]] = {
    JACCARD: (jaccard_distance, SetPool),
    KENDALL_TAU: (kendall_tau_distance, RankingPool),
}


class AnswerAgreement:
    """Krippendorff's alpha over whole answers (`jaccard`, `kendall_tau`): the observed
    disagreement is summed unit by unit, the expected one from the pool of values."""

    def __init__(self, level: str) -> None:
        self.level = level
        self.distance, make_pool = POOLS[level]
        self.pool = make_pool()
        self.observed = 0.0  # sum(o_ck * d(c, k)), without the matrix
        self.units = 0
        self.pairable_values = 0

    def add_unit(self, values: Sequence[Any], count: int = 1) -> None:
        """One unit, or `count` units with the same values (added once, weighted)."""
        m = len(values)
        if m < 2:
            return
        self.units += count
        self.pairable_values += count * m
        within = sum(self.distance(a, b) for a, b in combinations(values, 2))
        self.observed += count * 2 * within / (m - 1)
        for value in values:
            self.pool.add(value, count)

    def alpha(self) -> float | None:
        n = self.pairable_values
        if n <= 1:
            return None
        expected = self.pool.pairwise_sum()
        if expected == 0:
            return None
        return 1.0 - (n - 1) * self.observed / expected


class Alpha(Protocol):
    level: str
    units: int

    @property
    def pairable_values(self) -> int: ...

    def add_unit(self, values: Sequence[Any], count: int = 1) -> None: ...

    def alpha(self) -> float | None: ...


def alpha_for(level: str) -> Alpha:
    """A fresh accumulator of alpha under `level`."""
    if level in POOLS:
        return AnswerAgreement(level)
    if level in (NOMINAL, ORDINAL, INTERVAL):
        return Agreement(level)
    raise ValueError(f"unknown agreement level {level!r}; use one of {LEVELS}")


def measure_report(measure: Measure, accumulator: Alpha) -> dict[str, Any]:
    """The wire shape of one measure (`feedback.shapes.AgreementOut`)."""
    alpha = accumulator.alpha()
    return {
        "metric": METRIC,
        "level": measure.level,
        "unit": measure.unit,
        "value": None if alpha is None else round(alpha, 4),
        "units": accumulator.units,
        "pairable_values": accumulator.pairable_values,
    }
