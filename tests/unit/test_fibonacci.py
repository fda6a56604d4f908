from dataclasses import replace

import pytest

from workloads import fibonacci, fibonacci_results


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


# --- bounded work: a run whose sequences would not fit in memory is refused --------

GB = 10**9


def test_the_memory_formula_matches_the_sequences_python_holds() -> None:
    import sys

    for size in (1_000, 20_000):
        sequence = fibonacci.fibonacci_sequence(size)
        held = sys.getsizeof(sequence) + sum(sys.getsizeof(term) for term in sequence)
        assert fibonacci_results.sequence_bytes(size) == pytest.approx(held, rel=0.03)
    # the figures: about 0.4 GB a task at 100,000 and 1.7 GiB at 200,000
    assert 0.40 * GB < fibonacci_results.sequence_bytes(100_000) < 0.50 * GB
    assert 1.6 < fibonacci_results.sequence_bytes(200_000) / 2**30 < 1.8


def test_sequences_held_at_once() -> None:
    held = fibonacci_results.held_sequences
    assert held(16, "parallel", False, cpus=2) == 2  # one per CPU; each ends with its task
    assert held(16, "serial", False, cpus=2) == 1
    assert held(4, "parallel", True, cpus=2) == 8  # all come back: driver and object store


def test_a_run_that_fits_passes() -> None:
    fibonacci.validate(100_000, 16, "parallel", cpus=2, memory_bytes=16 * GB)


@pytest.mark.parametrize("size", [10_000_000_000, 1_000_000])
def test_a_run_that_does_not_fit_says_why_and_how_to_override(size: int) -> None:
    with pytest.raises(ValueError) as caught:
        fibonacci.validate(size, 2, "parallel", cpus=2, memory_bytes=16 * GB)
    message = str(caught.value)
    assert f"--size {size}" in message and "16.0 GB of memory" in message
    assert "--force" in message
    fibonacci.validate(size, 2, "parallel", cpus=2, memory_bytes=16 * GB, force=True)


def test_count_matters_when_the_sequences_come_back() -> None:
    fibonacci.validate(200_000, 2, "parallel", cpus=2, memory_bytes=16 * GB)
    with pytest.raises(ValueError, match="--count"):
        fibonacci.validate(200_000, 8, "parallel", return_sequence=True, cpus=2,
                           memory_bytes=16 * GB)


def test_the_descriptor_checks_the_keys_and_the_form_alike() -> None:
    from tui.launch import fibonacci as descriptor

    keys = descriptor.watch_params(cpus=2)
    assert (keys.size, keys.count) == (fibonacci_results.DEFAULT_SIZE, 16)
    descriptor.check(keys, cpus=2, memory_bytes=16 * GB)
    with pytest.raises(ValueError, match="--force"):
        descriptor.check(replace(keys, size=3_000_000), cpus=2, memory_bytes=16 * GB)
    forced = replace(keys, size=3_000_000, force=True)
    descriptor.check(forced, cpus=2, memory_bytes=16 * GB)
    assert "--force" in descriptor.job(forced).args  # the job driver is told too
