"""Run one parse of an untrusted file in a forked child, with a time and a memory limit.

A crafted PDF can send pdfminer into a loop or make it allocate without end;
in a child the service survives it: a parse that overruns is killed and
reported as `ParseLimitExceeded`, never waited for. Fork (not spawn) keeps
the cost to a few milliseconds and the child needs nothing re-imported.
"""
from __future__ import annotations

import logging
import multiprocessing
import resource
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class ParseLimitExceeded(Exception):
    """The parse ran out of time, or its process died (killed for memory, crashed)."""


def run_limited(func: Callable[..., Any], *args: Any, seconds: float, memory: int) -> Any:
    """`func(*args)` in a child allowed `seconds` of wall-clock time and `memory` bytes
    of address space beyond what it starts with; its exception is raised here.

    Raises `ParseLimitExceeded` on a timeout or a dead child, and `MemoryError`
    when the limit refused an allocation.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, func, args, memory), daemon=True)
    try:
        child.start()
    except (AssertionError, OSError) as err:  # inside a daemonic pool worker; out of processes
        log.warning("Parse: no child process (%s), parsing in-process without limits", err)
        receive.close()
        send.close()
        return func(*args)
    send.close()
    try:
        if not receive.poll(seconds):
            raise ParseLimitExceeded(f"no result within {seconds:g} s")
        ok, value = receive.recv()
    except EOFError as err:
        raise ParseLimitExceeded("the parsing process died") from err
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    if not ok:
        raise value
    return value


def _child(send, func: Callable[..., Any], args: tuple, memory: int) -> None:
    try:
        _limit_address_space(memory)
        result = (True, func(*args))
    except BaseException as err:  # noqa: BLE001 - handed to the parent, which decides
        result = (False, err)
    try:
        send.send(result)
    except Exception as err:  # noqa: BLE001 - an exception or result that will not pickle
        send.send((False, RuntimeError(f"{type(result[1]).__name__}: {err}")))
    finally:
        send.close()


def _limit_address_space(memory: int) -> None:
    """RLIMIT_AS at the size the fork inherited plus `memory` (Linux; elsewhere no limit)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            current = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return
    resource.setrlimit(resource.RLIMIT_AS, (current + memory, current + memory))
