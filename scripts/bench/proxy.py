"""A TCP proxy that limits the server-to-client rate (a 163-like slow link).

Runs its own asyncio loop in a thread; every connection shares one token
bucket for server->client bytes (rate bytes/s, burst of 64 KiB); the
client->server direction is not limited.
"""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Self


class TokenBucket:
    def __init__(self, rate: float, burst: float = 64 * 1024):
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()
        self.lock = asyncio.Lock()

    async def take(self, amount: int) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= amount:
                    self.tokens -= amount
                    return
                await asyncio.sleep((amount - self.tokens) / self.rate)


class SlowProxy:
    """127.0.0.1:port -> target, server->client at most `rate` bytes/s."""

    CHUNK = 16 * 1024

    def __init__(self, target_host: str, target_port: int, rate: float):
        self.target = (target_host, target_port)
        self.rate = rate
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._bucket = TokenBucket(self.rate)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()

    async def _handle(self, client_reader, client_writer) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(self._pipe(client_reader, server_writer, None),
                             self._pipe(server_reader, client_writer, self._bucket),
                             return_exceptions=True)

    async def _pipe(self, reader, writer, bucket) -> None:
        try:
            while data := await reader.read(self.CHUNK):
                if bucket is not None:
                    await bucket.take(len(data))
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
