"""The one query-parameter reader of the dashboard side: what it takes, and how it refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from signin import params
from signin.params import ParamError


def _q(text: str) -> QueryDict:
    return QueryDict(text)


@pytest.mark.parametrize("raw", ["³", "²", "١", "+1", "0x10", "1_0", "1.0", "1e3", "1,,2", "٣"])
def test_an_integer_is_written_in_the_digits_0_to_9_only(raw: str) -> None:
    with pytest.raises(ParamError) as caught:
        params.integer(QueryDict(mutable=True) | {"page": raw}, "page", minimum=1, maximum=9)
    assert str(caught.value).startswith(f"page={raw!r}: not a whole number from 1 to 9")


def test_an_integer_out_of_range_says_the_range_and_huge_ones_are_not_converted() -> None:
    for raw in ("0", "10", "-1", "99999999999999999999999", "9" * 5000):
        with pytest.raises(ParamError, match=r"out of range: from 1 to 9"):
            params.integer(_q(f"page={raw}"), "page", minimum=1, maximum=9)


def test_absent_empty_and_blank_mean_the_default_and_spaces_around_a_number_go() -> None:
    assert params.integer(_q(""), "page", minimum=1, maximum=9) is None
    assert params.integer(_q("page="), "page", minimum=1, maximum=9) is None
    assert params.integer(_q("page=%20"), "page", minimum=1, maximum=9) is None
    assert params.integer(_q("page=%201"), "page", minimum=1, maximum=9) == 1


def test_a_minus_sign_only_where_the_range_is_negative() -> None:
    assert params.integer(_q("tz=-60"), "tz", minimum=-1439, maximum=1439) == -60
    with pytest.raises(ParamError):
        params.integer(_q("tz=%2B60"), "tz", minimum=-1439, maximum=1439)


def test_an_integer_list_refuses_an_empty_item_and_names_a_bad_one() -> None:
    assert params.integer_list(_q("ids=1,5,9"), "ids", minimum=1, maximum=9, most=3) == [1, 5, 9]
    with pytest.raises(ParamError, match=r"item 2 is empty"):
        params.integer_list(_q("ids=1,,2"), "ids", minimum=1, maximum=9, most=3)
    with pytest.raises(ParamError, match=r"'³': not a whole number"):
        params.integer_list(_q("ids=1,³"), "ids", minimum=1, maximum=9, most=3)
    with pytest.raises(ParamError, match=r"more than 3 numbers"):
        params.integer_list(_q("ids=1,2,3,4"), "ids", minimum=1, maximum=9, most=3)


def test_a_date_is_an_iso_date_in_ascii_digits_and_in_the_calendar() -> None:
    assert params.date(_q("date=2024-02-29"), "date") == dt.date(2024, 2, 29)
    with pytest.raises(ParamError, match="no such day"):
        params.date(_q("date=2023-02-29"), "date")
    for raw in ("٢٠٢٤-٠١-٠١", "20240101", "2024-1-1", "yesterday"):
        with pytest.raises(ParamError, match="YYYY-MM-DD"):
            params.date(QueryDict(mutable=True) | {"date": raw}, "date")


def test_booleans_and_choices() -> None:
    assert params.boolean(_q("live=on"), "live") is True
    assert params.boolean(_q("live=FALSE"), "live") is False
    with pytest.raises(ParamError, match="true or false"):
        params.boolean(_q("live=2"), "live")
    assert params.choice(_q("state=Online"), "state", ("online", "offline")) == "online"
    with pytest.raises(ParamError, match="use one of online, offline"):
        params.choice(_q("state=sleeping"), "state", ("online", "offline"))


def test_a_long_value_is_shortened_in_the_message() -> None:
    error = ParamError("q", "x" * 500, "too long")
    assert len(str(error)) < 80
