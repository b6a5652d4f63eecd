"""The installation's clock: one source every date is read from."""

import datetime as dt

from reseller_api import clock


def test_a_source_moves_every_reader_and_none_restores_the_wall_clock() -> None:
    before = clock.source()
    try:
        clock.use(lambda: 86_400.0)
        assert clock.time() == 86_400.0
        assert clock.now() == dt.datetime(1970, 1, 2, tzinfo=dt.UTC)
    finally:
        clock.use(None)
    assert abs(clock.time() - dt.datetime.now(dt.UTC).timestamp()) < 5
    assert clock.source() is before
