import pytest

from workloads import fibonacci


def test_sequence_starts_like_fibonacci() -> None:
    assert fibonacci.fibonacci_sequence(10) == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]


@pytest.mark.parametrize("size", [0, 1, 2, 57])
def test_local_returns_the_size_like_the_tutorial(size: int) -> None:
    assert fibonacci.fibonacci_local(size) == size


def test_big_terms_are_exact() -> None:
    seq = fibonacci.fibonacci_sequence(301)
    assert seq[300] == 222232244629420445529739893461909967206666939096499764990979600


@pytest.mark.parametrize(
    ("size", "count", "pattern", "message"),
    [(-1, 1, "parallel", "--size"), (10, 0, "parallel", "--count"), (10, 1, "zigzag", "--pattern")],
)
def test_validate_rejects_bad_values(size: int, count: int, pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fibonacci.validate(size, count, pattern)


def test_tutorial_lines_match_the_tutorial_wording() -> None:
    result = fibonacci.FibResult(100000, 2, "parallel", False, 4.2, 1.76, 4.2 / 1.76)
    lines = fibonacci.tutorial_lines(result)
    assert lines[0] == "Sequence size: 100000, Local execution time: 4.2"
    assert lines[1] == "Sequence size: 100000, Remote execution time: 1.76"
    assert lines[2].startswith("Speedup: 2.39x over 2 sequences")
