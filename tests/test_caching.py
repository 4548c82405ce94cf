"""The one cache: kept within its budget, least recently used first out, computed once."""

from search_service.caching import LRU


def test_values_are_computed_once_and_kept():
    computed = []
    cache = LRU(10)
    for _ in range(3):
        assert cache.get("hội", lambda: computed.append(1) or "hội nghị") == "hội nghị"
    assert computed == [1]


def test_the_least_recently_used_go_first_past_the_budget():
    cache = LRU(3)
    for key in "abc":
        cache.get(key, lambda k=key: k.upper())
    cache.get("a", lambda: "never")  # used again: now the most recent
    cache.get("d", lambda: "D")
    assert list(cache.entries()) == ["c", "a", "d"]
    assert cache.get("b", lambda: "again") == "again"


def test_sizes_count_against_the_budget():
    cache = LRU(5, size=len)
    cache.get("short", lambda: [1, 2])
    cache.get("long", lambda: [1, 2, 3, 4])
    assert list(cache.entries()) == ["long"]
    assert not cache.full()
    cache.get("fits", lambda: [5])
    assert cache.full() and len(cache) == 2
    # One value larger than the whole budget is still kept, alone.
    cache.get("huge", lambda: list(range(9)))
    assert list(cache.entries()) == ["huge"]


def test_clear_forgets_everything():
    cache = LRU(2)
    cache.get(1, lambda: "một")
    cache.clear()
    assert len(cache) == 0 and not cache.full()
    assert cache.get(1, lambda: "lại") == "lại"
