"""Many callers, one batched call (:class:`codvid.kit.batching.Coalescer`): the window
and ``max_size``, joining a key already asked for, errors per key and per call, keys
added by ``fill`` and kept for their late callers, ``max_batches``, ``close`` and a caller
that gives up."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import anyio
import pytest

from codvid.kit.batching import Coalescer
from codvid.scrapers import ProviderUnavailable

pytestmark = pytest.mark.anyio

LONG = 60.0
"""A window no test waits out: a batch that goes out did so for another reason."""


class Call:
    """The batched call: answers each key upper-cased, records every batch, and may be
    held (``gate``), fail as a whole (``error``) or leave keys out (``leave_out``)."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate: asyncio.Event | None = None
        self.error: BaseException | None = None
        self.leave_out: set[str] = set()
        self.entered = asyncio.Event()
        self.active = 0
        self.peak = 0
        self.cancelled = 0

    def hold(self) -> asyncio.Event:
        self.gate = asyncio.Event()
        return self.gate

    async def __call__(self, keys: list[str]) -> Mapping[str, str]:
        self.batches.append(list(keys))
        self.active += 1
        self.peak = max(self.peak, self.active)
        self.entered.set()
        try:
            if self.gate is not None:
                await self.gate.wait()
            if self.error is not None:
                raise self.error
            return {key: key.upper() for key in keys if key not in self.leave_out}
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.active -= 1


class Fill:
    """``fill(room)``: offers ``keys``, once; records the room it was given."""

    def __init__(self, *keys: str) -> None:
        self.keys = list(keys)
        self.rooms: list[int] = []

    async def __call__(self, room: int) -> Sequence[str]:
        self.rooms.append(room)
        offered, self.keys = self.keys[:room], []
        return offered


async def started(coalescer: Coalescer[str, str], *keys: str) -> list[asyncio.Task[str]]:
    """A caller task for each key, each one past its ``get`` bookkeeping."""
    tasks = [asyncio.create_task(coalescer.get(key)) for key in keys]
    await asyncio.sleep(0)
    return tasks


async def until(call: Call, batches: int) -> None:
    with anyio.fail_after(5):
        while len(call.batches) < batches:
            await asyncio.sleep(0.005)


# ---- the window and max_size --------------------------------------------------------


async def test_keys_asked_within_the_window_share_one_call() -> None:
    call = Call()
    coalescer = Coalescer(call, window=0.05, max_size=10)

    with anyio.fail_after(5):
        answers = await asyncio.gather(*(coalescer.get(key) for key in ["a", "b", "c"]))

    assert answers == ["A", "B", "C"]
    assert call.batches == [["a", "b", "c"]]
    assert coalescer.sent == 1


async def test_a_key_asked_after_the_batch_went_out_gets_a_call_of_its_own() -> None:
    call = Call()
    coalescer = Coalescer(call, window=0, max_size=10)

    with anyio.fail_after(5):
        assert await coalescer.get("a") == "A"
        assert await coalescer.get("b") == "B"

    assert call.batches == [["a"], ["b"]]
    assert coalescer.sent == 2


async def test_max_size_keys_go_out_without_waiting_for_the_window() -> None:
    call = Call()
    coalescer = Coalescer(call, window=LONG, max_size=2)

    with anyio.fail_after(5):
        answers = await asyncio.gather(*(coalescer.get(key) for key in ["a", "b", "c", "d"]))
    rest = await started(coalescer, "e")

    assert answers == ["A", "B", "C", "D"]
    assert call.batches == [["a", "b"], ["c", "d"]]
    assert not rest[0].done()  # alone in its batch: waits for the window
    await coalescer.close()
    with pytest.raises(asyncio.CancelledError):
        await rest[0]


# ---- duplicates ----------------------------------------------------------------------


async def test_a_key_asked_twice_in_one_batch_is_sent_once() -> None:
    call = Call()
    coalescer = Coalescer(call, window=0.05, max_size=10)

    with anyio.fail_after(5):
        answers = await asyncio.gather(*(coalescer.get(key) for key in ["a", "b", "a", "a"]))

    assert answers == ["A", "B", "A", "A"]
    assert call.batches == [["a", "b"]]


async def test_a_key_in_flight_is_joined_not_asked_again() -> None:
    call = Call()
    gate = call.hold()
    coalescer = Coalescer(call, window=0, max_size=10)
    (first,) = await started(coalescer, "a")
    await asyncio.wait_for(call.entered.wait(), 5)

    (second,) = await started(coalescer, "a")
    gate.set()

    with anyio.fail_after(5):
        assert await first == await second == "A"
    assert call.batches == [["a"]]
    assert coalescer.sent == 1


async def test_a_key_asked_again_as_its_batch_goes_out_joins_it() -> None:
    """The batch is sent by the second key's ``get``; a caller of the first key that
    runs before the batch's own task has started must still join it."""
    call = Call()
    coalescer = Coalescer(call, window=LONG, max_size=2)

    with anyio.fail_after(5):
        answers = await asyncio.gather(coalescer.get("a"), coalescer.get("b"), coalescer.get("a"))

    assert list(answers) == ["A", "B", "A"]
    assert call.batches == [["a", "b"]]
    assert coalescer.sent == 1


# ---- errors --------------------------------------------------------------------------


async def test_a_key_the_call_left_out_fails_only_its_caller() -> None:
    call = Call()
    call.leave_out = {"b"}
    coalescer = Coalescer(call, window=0.05, max_size=10)

    with anyio.fail_after(5):
        answers = await asyncio.gather(
            *(coalescer.get(key) for key in ["a", "b", "c"]), return_exceptions=True
        )

    assert answers[0] == "A" and answers[2] == "C"
    assert isinstance(answers[1], LookupError) and "'b'" in str(answers[1])
    assert call.batches == [["a", "b", "c"]]


async def test_a_failed_call_fails_every_caller_of_that_batch_only() -> None:
    call = Call()
    gate = call.hold()
    failure = ProviderUnavailable()
    call.error = failure
    coalescer = Coalescer(call, window=0.05, max_size=10)
    doomed = await started(coalescer, "a", "b", "a")
    await asyncio.wait_for(call.entered.wait(), 5)

    gate.set()
    with anyio.fail_after(5):
        outcomes = await asyncio.gather(*doomed, return_exceptions=True)
    call.error = None
    with anyio.fail_after(5):
        later = await coalescer.get("a")

    assert outcomes == [failure, failure, failure]
    assert later == "A"  # a failure is not kept: the next caller asks again
    assert call.batches == [["a", "b"], ["a"]]


# ---- fill ----------------------------------------------------------------------------


async def test_fill_adds_keys_whose_answers_wait_for_their_callers() -> None:
    call = Call()
    fill = Fill("x", "y")
    coalescer = Coalescer(call, window=0, max_size=4, fill=fill)

    with anyio.fail_after(5):
        assert await coalescer.get("a") == "A"
        late = [await coalescer.get("y"), await coalescer.get("x")]

    assert call.batches == [["a", "x", "y"]]
    assert fill.rooms == [3]
    assert late == ["Y", "X"]
    assert coalescer.sent == 1


async def test_a_kept_answer_is_claimed_once_and_forgotten_after_keep() -> None:
    call = Call()
    coalescer = Coalescer(call, window=0, max_size=4, fill=Fill("x", "y"), keep=0.05)

    with anyio.fail_after(5):
        await coalescer.get("a")
        assert await coalescer.get("x") == "X"  # kept
        assert await coalescer.get("x") == "X"  # claimed already: asked again
        await asyncio.sleep(0.1)
        assert await coalescer.get("y") == "Y"  # expired: asked again

    assert call.batches == [["a", "x", "y"], ["x"], ["y"]]


async def test_fill_never_doubles_a_key_already_asked_for() -> None:
    call = Call()
    fill = Fill("a", "b", "z")
    coalescer = Coalescer(call, window=0.05, max_size=5, fill=fill)

    with anyio.fail_after(5):
        answers = await asyncio.gather(coalescer.get("a"), coalescer.get("b"))

    assert list(answers) == ["A", "B"]
    assert fill.rooms == [3]
    assert call.batches == [["a", "b", "z"]]


async def test_a_full_batch_asks_fill_for_nothing() -> None:
    call = Call()
    fill = Fill("x")
    coalescer = Coalescer(call, window=LONG, max_size=2, fill=fill)

    with anyio.fail_after(5):
        await asyncio.gather(coalescer.get("a"), coalescer.get("b"))

    assert fill.rooms == []
    assert call.batches == [["a", "b"]]


async def test_a_kept_key_of_a_failed_call_gives_its_caller_the_failure() -> None:
    call = Call()
    failure = ProviderUnavailable()
    call.error = failure
    coalescer = Coalescer(call, window=0, max_size=4, fill=Fill("x"))

    with anyio.fail_after(5):
        with pytest.raises(ProviderUnavailable):
            await coalescer.get("a")
        call.error = None
        with pytest.raises(ProviderUnavailable) as kept:
            await coalescer.get("x")

    assert kept.value is failure
    assert call.batches == [["a", "x"]]


# ---- max_batches ---------------------------------------------------------------------


async def test_max_batches_bounds_the_calls_in_flight() -> None:
    call = Call()
    gate = call.hold()
    coalescer = Coalescer(call, window=0, max_size=1, max_batches=2)
    callers = await started(coalescer, "a", "b", "c", "d", "e")
    await until(call, 2)
    await asyncio.sleep(0.05)  # time for a third call to start, were it allowed

    assert call.active == 2 and len(call.batches) == 2
    gate.set()
    with anyio.fail_after(5):
        answers = await asyncio.gather(*callers)

    assert answers == ["A", "B", "C", "D", "E"]
    assert call.peak == 2
    assert sorted(key for batch in call.batches for key in batch) == ["a", "b", "c", "d", "e"]
    assert coalescer.sent == 5


async def test_a_batch_waiting_for_a_slot_keeps_gathering() -> None:
    call = Call()
    gate = call.hold()
    coalescer = Coalescer(call, window=0.02, max_size=10, max_batches=1)
    (first,) = await started(coalescer, "a")
    await asyncio.wait_for(call.entered.wait(), 5)
    waiting = await started(coalescer, "b", "c")
    await asyncio.sleep(0.1)  # the window of b and c closes; no slot is free
    late = await started(coalescer, "d")
    await asyncio.sleep(0.1)

    gate.set()
    with anyio.fail_after(5):
        await asyncio.gather(first, *waiting, *late)

    assert call.batches == [["a"], ["b", "c", "d"]]


async def test_a_waiting_batch_takes_no_more_than_max_size() -> None:
    call = Call()
    gate = call.hold()
    coalescer = Coalescer(call, window=0.02, max_size=2, max_batches=1)
    (first,) = await started(coalescer, "a")
    await asyncio.wait_for(call.entered.wait(), 5)
    waiting = await started(coalescer, "b", "c")  # full: sent, waits for the slot
    await asyncio.sleep(0.05)
    late = await started(coalescer, "d", "c")
    await asyncio.sleep(0.05)

    gate.set()
    with anyio.fail_after(5):
        answers = await asyncio.gather(first, *waiting, *late)

    assert answers == ["A", "B", "C", "D", "C"]
    assert call.batches == [["a"], ["b", "c"], ["d"]]
    assert call.peak == 1


# ---- close and cancellation ---------------------------------------------------------


async def test_close_cancels_what_is_gathering_and_in_flight() -> None:
    call = Call()
    call.hold()
    coalescer = Coalescer(call, window=0, max_size=1, fill=None)
    (in_flight,) = await started(coalescer, "a")
    await asyncio.wait_for(call.entered.wait(), 5)
    slow = Coalescer(Call(), window=LONG, max_size=10)
    (gathering,) = await started(slow, "b")

    with anyio.fail_after(5):
        await coalescer.close()
        await slow.close()

    for caller in (in_flight, gathering):
        with pytest.raises(asyncio.CancelledError):
            await caller
    assert call.cancelled == 1 and call.active == 0
    assert coalescer.sent == 1 and slow.sent == 0


async def test_close_cancels_a_batch_whose_call_has_not_started() -> None:
    call = Call()
    coalescer = Coalescer(call, window=LONG, max_size=1)
    (caller,) = await started(coalescer, "a")  # sent at once; its task not yet started

    with anyio.fail_after(5):
        await coalescer.close()
        with pytest.raises(asyncio.CancelledError):
            await caller
    assert call.batches == []


async def test_close_forgets_kept_answers() -> None:
    call = Call()
    coalescer = Coalescer(call, window=0, max_size=4, fill=Fill("x"))
    with anyio.fail_after(5):
        await coalescer.get("a")
        await coalescer.close()
        assert await coalescer.get("x") == "X"

    assert call.batches == [["a", "x"], ["x"]]


async def test_a_caller_that_gives_up_does_not_cancel_the_answer_for_others() -> None:
    call = Call()
    gate = call.hold()
    coalescer = Coalescer(call, window=0.02, max_size=10)
    quitter, stayer = await started(coalescer, "a", "a")
    await asyncio.wait_for(call.entered.wait(), 5)

    quitter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await quitter
    gate.set()

    with anyio.fail_after(5):
        assert await stayer == "A"
    assert call.cancelled == 0
    assert call.batches == [["a"]]


async def test_the_only_caller_giving_up_leaves_the_call_to_finish() -> None:
    call = Call()
    gate = call.hold()
    coalescer = Coalescer(call, window=0, max_size=10)
    (quitter,) = await started(coalescer, "a")
    await asyncio.wait_for(call.entered.wait(), 5)

    quitter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await quitter
    gate.set()
    with anyio.fail_after(5):
        while call.active:
            await asyncio.sleep(0.005)

    assert call.cancelled == 0
    assert coalescer.sent == 1


@pytest.mark.parametrize(
    "arguments",
    [{"window": 0, "max_size": 0}, {"window": -1, "max_size": 1}, {"max_batches": 0}],
)
async def test_nonsense_limits_are_refused(arguments: dict[str, float]) -> None:
    settings = {"window": 0.0, "max_size": 1, "max_batches": 1, **arguments}
    with pytest.raises(ValueError):
        Coalescer(
            Call(),
            window=settings["window"],
            max_size=int(settings["max_size"]),
            max_batches=int(settings["max_batches"]),
        )
