"""BoundedMemo: computes each key once, empties when full, keeps only what ``keep`` allows."""

from __future__ import annotations

from reseller_api.caching import BoundedMemo


def test_computes_once_and_stays_bounded() -> None:
    calls: list[int] = []

    def square(n: int) -> int:
        calls.append(n)
        return n * n

    memo = BoundedMemo(square, 3)
    assert [memo[2], memo[2], memo[3]] == [4, 4, 9]
    assert calls == [2, 3]
    for n in range(10):
        assert memo[n] == n * n
    assert len(memo) <= 3


def test_keys_it_should_not_keep_are_computed_every_time() -> None:
    memo = BoundedMemo(len, 10, keep=lambda text: len(text) < 5)
    assert memo["short"] == 5
    assert "short" not in memo
    assert memo["tiny"] == 4
    assert "tiny" in memo
