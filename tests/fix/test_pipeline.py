"""Pipeline: a session's commands run concurrently, in order per order, a bounded number at once."""

import asyncio

from exchange.fix.pipeline import Pipeline


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 10))


async def settle() -> None:
    """Let every runnable task take its next steps."""
    for _ in range(20):
        await asyncio.sleep(0)


def test_commands_for_different_orders_are_in_flight_together():
    """Every command starts before any finishes when they name different orders."""
    async def main():
        pipeline, started, release = Pipeline(limit=16), [], asyncio.Event()

        def command(n):
            async def go():
                started.append(n)
                await release.wait()
            return go
        for n in range(16):
            await pipeline.submit({("cl", f"o{n}")}, command(n))
        await settle()
        assert pipeline.in_flight == 16
        release.set()
        await pipeline.idle()
        return started
    assert sorted(run(main())) == list(range(16))


def test_a_command_naming_an_order_in_flight_runs_after_it():
    """A cancel submitted while its order is still being placed starts only once that is done."""
    async def main():
        pipeline, log, release = Pipeline(limit=16), [], asyncio.Event()

        async def place():
            log.append("place starts")
            await release.wait()
            log.append("place done")

        async def cancel():
            log.append("cancel starts")
        await pipeline.submit({("cl", "A")}, place)
        await pipeline.submit({("cl", "A"), ("cl", "C")}, cancel)
        await settle()
        assert log == ["place starts"]
        release.set()
        await pipeline.idle()
        return log
    assert run(main()) == ["place starts", "place done", "cancel starts"]


def test_submit_waits_while_the_limit_is_in_flight():
    """With `limit` commands in flight, the next submit returns only when one finishes."""
    async def main():
        pipeline, release = Pipeline(limit=2), asyncio.Event()
        for n in range(2):
            await pipeline.submit({n}, release.wait)
        third = asyncio.create_task(pipeline.submit({3}, release.wait))
        await settle()
        assert not third.done()
        release.set()
        await third
        await pipeline.idle()
    run(main())


def test_a_failed_command_frees_its_slot_and_its_order():
    """A command that raises still lets the next one for its order run (the connection wraps
    commands so they never raise; the pipeline must not wedge if one does)."""
    async def main():
        pipeline, ran = Pipeline(limit=1), []

        async def broken():
            raise RuntimeError("a bug")

        async def after():
            ran.append("after")
        await pipeline.submit({"A"}, broken)
        await pipeline.submit({"A"}, after)
        await pipeline.idle()
        return ran
    assert run(main()) == ["after"]
