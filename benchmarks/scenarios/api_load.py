"""Load generators for the API benchmark: closed loop (N clients back to back) and open loop (a fixed rate).

Closed loop measures throughput, but a slow response delays the next request, so queueing hides
(coordinated omission). Open loop sends request i at `start + i / rate` whatever the responses do
and measures latency from that scheduled time, so time spent waiting behind a backlog counts.
`send_lag` is how late the client itself sent (it shares the cores with the server): when its p99
is large, the client, not the server, is what fell behind.

Transport errors (a dropped or reset connection) are counted by type and returned, never raised
mid-run, so one reset does not hide the figures; the caller prints them and fails the run.
"""

import asyncio
import math
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

# Below the server's keep-alive timeout (`sigmasight api --timeout-keep-alive`, 30 s): the client
# retires idle connections first, so it never reuses one the server is closing.
KEEPALIVE_EXPIRY = 2.0
TIMEOUT = 30.0


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # ms, successful responses
    send_lag: list[float] = field(default_factory=list)  # ms, open loop only
    seconds: float = 0.0
    non_200: int = 0
    transport_errors: Counter = field(default_factory=Counter)

    def pct(self, q: float, values: list[float] | None = None) -> float:
        ordered = sorted(self.latencies if values is None else values)
        return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] if ordered else math.nan

    @property
    def throughput(self) -> float:
        return (len(self.latencies) + self.non_200) / self.seconds if self.seconds else math.nan


def _client(base: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=KEEPALIVE_EXPIRY
    )
    return httpx.AsyncClient(base_url=base, limits=limits, timeout=TIMEOUT)


async def _get(http: httpx.AsyncClient, path: str, token: str, result: Result, began: float) -> None:
    try:
        response = await http.get(path, headers={"Authorization": f"Bearer {token}"})
    except httpx.TransportError as exc:
        result.transport_errors[type(exc).__name__] += 1
        return
    if response.status_code == 200:
        result.latencies.append((time.perf_counter() - began) * 1000)
    else:
        result.non_200 += 1


async def closed_loop(base: str, paths: list[tuple[str, str]], total: int, clients: int) -> Result:
    """`total` requests over `clients` concurrent clients, each sending its next as soon as one returns."""
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(paths[i % len(paths)])
    result = Result()

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            path, token = queue.get_nowait()
            await _get(http, path, token, result, time.perf_counter())

    async with _client(base, clients) as http:
        began = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        result.seconds = time.perf_counter() - began
    return result


async def open_loop(base: str, paths: list[tuple[str, str]], rate: float, total: int, connections: int) -> Result:
    """`total` requests at `rate` per second on a fixed timetable; latency from each scheduled send time."""
    result = Result()

    async def one(http: httpx.AsyncClient, path: str, token: str, scheduled: float) -> None:
        result.send_lag.append((time.perf_counter() - scheduled) * 1000)
        await _get(http, path, token, result, scheduled)

    async with _client(base, connections) as http:
        began = time.perf_counter() + 0.05
        tasks = []
        for i in range(total):
            scheduled = began + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            path, token = paths[i % len(paths)]
            tasks.append(asyncio.create_task(one(http, path, token, scheduled)))
        await asyncio.gather(*tasks)
        result.seconds = time.perf_counter() - began
    return result
