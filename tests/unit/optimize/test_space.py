"""Parameter spaces: grid, random search, constraints (parsed safely) and the cap."""

from __future__ import annotations

import pytest

from aristobot.errors import ValidationError
from aristobot.optimize import (
    Choice,
    FloatRange,
    IntRange,
    ParamSpace,
    grid,
    parse_constraint,
    random_points,
)


def test_ranges_include_their_bounds() -> None:
    assert IntRange(5, 50, 5).values("f") == (5, 10, 15, 20, 25, 30, 35, 40, 45, 50)
    assert FloatRange(0.01, 0.03, 0.01).values("sl") == (0.01, 0.02, 0.03)
    assert Choice((True, False)).values("b") == (True, False)


@pytest.mark.parametrize("dim", [IntRange(5, 1, 1), IntRange(1, 5, 0), IntRange(1, 5, 1.5),
                                 FloatRange(0.0, 1.0, -0.1), Choice(()), Choice((1, 1)),
                                 Choice(("x",)), IntRange(0, 10**9, 1)])
def test_bad_dimensions_refused_in_french(dim: object) -> None:
    with pytest.raises(ValidationError) as e:
        ParamSpace(p=dim)  # type: ignore[arg-type]
    assert "« p »" in e.value.user_message()


def test_shorthands() -> None:
    space = ParamSpace.of({"fast": (5, 15, 5), "slow": range(10, 31, 10), "sl": (0.01, 0.02, 0.01),
                           "on": [True, False]})
    assert space.values == {"fast": (5, 10, 15), "slow": (10, 20, 30), "sl": (0.01, 0.02),
                            "on": (True, False)}
    assert space.size == 36


def test_grid_with_constraint_keeps_only_valid_points_in_order() -> None:
    space = ParamSpace(fast=IntRange(5, 15, 5), slow=IntRange(10, 20, 10))
    assert grid(space, "fast < slow") == [
        {"fast": 5, "slow": 10}, {"fast": 5, "slow": 20}, {"fast": 10, "slow": 20},
        {"fast": 15, "slow": 20}]
    assert grid(space, ["fast < slow", "slow - fast >= 10"]) == [
        {"fast": 5, "slow": 20}, {"fast": 10, "slow": 20}]


def test_benchmark_draws_100_valid_pairs() -> None:
    # The benchmark's space: fast 5..50, slow 10..200, fast < slow, 100 pairs drawn.
    space = ParamSpace(fast=IntRange(5, 50), slow=IntRange(10, 200))
    pairs = random_points(space, "fast < slow", n=100, seed=0)
    assert len(pairs) == 100 and all(5 <= p["fast"] < p["slow"] <= 200 for p in pairs)


def test_grid_cap_refuses_instead_of_cutting() -> None:
    space = ParamSpace(a=IntRange(1, 20), b=IntRange(1, 20))
    assert len(grid(space, cap=400)) == 400
    with pytest.raises(ValidationError) as e:
        grid(space, cap=399)
    assert "Plus de 399 combinaisons" in e.value.user_message()
    with pytest.raises(ValidationError, match="Aucune"):
        grid(space, "a > 100")


def test_random_points_are_distinct_valid_and_seeded() -> None:
    space = ParamSpace(fast=IntRange(5, 50), slow=IntRange(10, 200))
    first = random_points(space, "fast < slow", n=25, seed=1)
    assert first == random_points(space, "fast < slow", n=25, seed=1)
    assert first != random_points(space, "fast < slow", n=25, seed=2)
    assert len({tuple(p.values()) for p in first}) == 25
    assert all(p["fast"] < p["slow"] for p in first)
    with pytest.raises(ValidationError, match="limite"):
        random_points(space, n=30, cap=20)


def test_random_points_on_a_huge_space_sample_without_enumerating() -> None:
    space = ParamSpace(a=IntRange(1, 5000), b=IntRange(1, 5000), c=IntRange(1, 5000))
    pts = random_points(space, "a < b and b < c", n=50, seed=0)
    assert len(pts) == 50 and all(p["a"] < p["b"] < p["c"] for p in pts)


def test_random_points_return_all_when_fewer_are_valid() -> None:
    space = ParamSpace(fast=IntRange(1, 3), slow=IntRange(1, 3))
    assert len(random_points(space, "fast < slow", n=10)) == 3


def test_constraint_grammar() -> None:
    c = parse_constraint("5 <= fast < slow and not (slow % 2 == 1) or fast ** 2 > 900",
                         ["fast", "slow"])
    assert c({"fast": 5, "slow": 10}) and not c({"fast": 5, "slow": 11})
    assert c({"fast": 31, "slow": 1})
    assert not parse_constraint("slow / fast > 1", ["fast", "slow"])({"fast": 0, "slow": 3})


@pytest.mark.parametrize("text", [
    "__import__('os').system('x')", "fast.__class__", "open('f')", "fast[0]", "lambda: 1",
    "other < slow", "'a' < 'b'", "fast ** 100", "fast if slow else 1", "[fast]", "",
    "fast <", "x := 1", "fast @ slow", "f'{fast}'", "fast in (1, 2)"])
def test_constraints_refuse_everything_else(text: str) -> None:
    with pytest.raises(ValidationError) as e:
        parse_constraint(text, ["fast", "slow"])
    assert "Contrainte" in e.value.user_message()
