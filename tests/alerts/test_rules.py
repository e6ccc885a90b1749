"""The alert rules on made-up histories: milestones, unusual growth, reels taking off;
and no alert from too little history."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from codvid.alerts import rules
from codvid.alerts.rules import Point

DAY = rules.DAY
HOUR = 3600.0


def daily(
    values: Sequence[float], start: float = 1_700_000_000.0, every: float = DAY
) -> list[Point]:
    return [Point(start + i * every, value) for i, value in enumerate(values)]


def steady(days: int, per_day: float, wobble: float, start: float = 10_000) -> list[float]:
    """A history growing ``per_day`` a day, give or take ``wobble`` in a fixed pattern."""
    values = [start]
    for day in range(1, days):
        values.append(values[-1] + per_day + wobble * ((day % 3) - 1))
    return values


# ---- milestones -------------------------------------------------------------------------


def test_a_milestone_is_crossed_on_the_way_up_only() -> None:
    assert rules.crossed(9_990, 10_010, [10_000, 20_000]) == [10_000]
    assert rules.crossed(9_990, 10_000, [10_000]) == [10_000]  # reached counts
    assert rules.crossed(10_000, 10_500, [10_000]) == []  # already there before
    assert rules.crossed(10_010, 9_990, [10_000]) == []  # a fall crosses none
    assert rules.crossed(900, 60_000, [50_000, 1_000, 10_000]) == [1_000, 10_000, 50_000]


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        (99, 100, [100]),
        (150, 250, [200]),
        (4_999, 5_000, [5_000]),
        (9_990, 10_010, [10_000]),
        (10_010, 19_999, []),
        (999_000, 2_000_100, [1_000_000, 2_000_000]),
        (0, 99, []),  # below 100 nothing is round
        (1_200, 1_100, []),
    ],
)
def test_round_numbers_are_one_two_and_five_times_a_power_of_ten_from_100(
    previous: int, current: int, expected: list[int]
) -> None:
    assert rules.round_milestones(previous, current) == expected


# ---- spacing and rates ---------------------------------------------------------------


def test_points_closer_than_the_gap_are_skipped_from_the_newest_back() -> None:
    points = [Point(0, 0), Point(DAY, 10), Point(DAY + 60, 11), Point(2 * DAY, 20)]
    assert rules.spaced(points, 8 * HOUR) == [Point(0, 0), Point(DAY + 60, 11), Point(2 * DAY, 20)]
    assert rules.rates([Point(0, 0), Point(DAY / 2, 10)]) == [20.0]


# ---- growth.anomaly -----------------------------------------------------------------------


def test_a_day_far_outside_a_steady_history_is_an_anomaly() -> None:
    values = steady(15, per_day=100, wobble=10)
    values.append(values[-1] + 1_000)
    found = rules.growth_anomaly(daily(values))
    assert found is not None
    assert found.change_per_day == pytest.approx(1_000)
    assert found.median_per_day == pytest.approx(100)
    assert found.mad_per_day == pytest.approx(10)
    assert found.score == pytest.approx(0.6745 * 900 / 10)
    assert found.history == 14
    assert found.previous == values[-2] and found.current == values[-1]


def test_a_sudden_loss_is_an_anomaly_too() -> None:
    values = steady(15, per_day=100, wobble=10)
    values.append(values[-1] - 800)
    found = rules.growth_anomaly(daily(values))
    assert found is not None and found.score < -rules.ANOMALY_THRESHOLD


def test_a_day_within_the_usual_spread_is_not_an_anomaly() -> None:
    values = steady(15, per_day=100, wobble=10)
    values.append(values[-1] + 140)  # z = 0.6745 * 40 / 10 = 2.7
    assert rules.growth_anomaly(daily(values)) is None


def test_one_earlier_spike_does_not_hide_a_new_one() -> None:
    """A mean and standard deviation would be dragged up by the earlier spike; the
    median and MAD are not."""
    values = steady(15, per_day=100, wobble=10)
    values[8:] = [v + 5_000 for v in values[8:]]  # a spike of 5,000 long ago
    values.append(values[-1] + 1_000)
    assert rules.growth_anomaly(daily(values)) is not None


def test_a_flat_history_does_not_make_every_small_change_an_anomaly() -> None:
    values = [50_000.0] * 15 + [50_004.0]  # MAD 0: floored at 0.01 % of 50,000 = 5 a day
    assert rules.growth_anomaly(daily(values)) is None
    values[-1] = 50_100.0
    found = rules.growth_anomaly(daily(values))
    assert found is not None and found.mad_per_day == pytest.approx(5.01)  # of 50,100


@pytest.mark.parametrize("days", [0, 1, 2, 5, rules.ANOMALY_MIN_HISTORY])
def test_too_little_history_gives_no_anomaly(days: int) -> None:
    values = steady(days, per_day=100, wobble=0)
    if values:
        values.append(values[-1] + 100_000)
    assert rules.growth_anomaly(daily(values)) is None


def test_the_shortest_history_that_is_judged() -> None:
    values = steady(rules.ANOMALY_MIN_HISTORY + 1, per_day=100, wobble=10)
    values.append(values[-1] + 100_000)
    assert rules.growth_anomaly(daily(values)) is not None


def test_scrapes_minutes_apart_are_not_daily_changes() -> None:
    """Force scrapes between the daily ones do not count as changes of their own."""
    points = daily(steady(15, per_day=100, wobble=10))
    last = points[-1]
    points.append(Point(last.at + 600, last.value + 5))  # 5 followers in 10 minutes
    assert rules.growth_anomaly(points) is None


# ---- reel.surge ------------------------------------------------------------------------


def test_plays_growing_much_faster_than_lately_are_a_surge() -> None:
    plays = [0, 50_000, 70_000, 80_000, 85_000, 120_000]  # slowing, then 35,000 in a day
    found = rules.reel_surge(daily(plays))
    assert found is not None
    assert found.plays_per_day == pytest.approx(35_000)
    assert found.recent_per_day == pytest.approx(10_000)  # median of 20k, 10k, 5k
    assert found.factor == pytest.approx(3.5)
    assert (found.previous, found.current) == (85_000, 120_000)


def test_a_reel_slowing_down_as_reels_do_is_no_surge() -> None:
    assert rules.reel_surge(daily([0, 50_000, 70_000, 80_000, 85_000, 87_000])) is None


def test_a_fast_rate_on_few_plays_is_no_surge() -> None:
    assert rules.reel_surge(daily([0, 10, 20, 30, 800])) is None  # 770 plays: below 1,000


def test_a_stalled_reel_starting_again_is_a_surge() -> None:
    found = rules.reel_surge(daily([5_000, 5_000, 5_000, 5_000, 9_000]))
    assert found is not None and found.factor is None  # no recent rate to divide by


@pytest.mark.parametrize("count", [0, 1, 2, rules.SURGE_MIN_RECENT])
def test_too_little_history_gives_no_surge(count: int) -> None:
    plays = [1_000.0 * i for i in range(count)]
    if plays:
        plays.append(plays[-1] + 1_000_000)
    assert rules.reel_surge(daily(plays)) is None


def test_the_surge_rule_reads_rates_over_hours_not_minutes() -> None:
    base = daily([0, 30_000, 45_000, 52_000])
    # 2,000 plays in 20 minutes is 144,000 a day, but too short a span to be judged.
    minutes = [*base, Point(base[-1].at + 1_200, 54_000)]
    assert rules.reel_surge(minutes) is None
    hours = [*base, Point(base[-1].at + 5 * HOUR, 64_000)]  # 12,000 in 5 h: 57,600 a day
    assert rules.reel_surge(hours) is not None
