"""Dates and times the way a Chinese official letter writes them."""
from __future__ import annotations

from datetime import datetime, tzinfo


def cn_date(moment: datetime, tz: tzinfo) -> str:
    """2023年3月3日"""
    local = moment.astimezone(tz)
    return f"{local.year}年{local.month}月{local.day}日"


def cn_datetime(moment: datetime, tz: tzinfo) -> str:
    """2023年3月3日 09:05"""
    return f"{cn_date(moment, tz)} {moment.astimezone(tz):%H:%M}"
