"""Whoosh's two-process writer, with writer processes that inherit nothing and die with their caller.

Whoosh's ``MpWriter`` starts its sub-writers with multiprocessing's default start method,
which on Linux is "fork": each one was a copy of the worker, holding copies of every
descriptor it had open, among them the one that holds ``WRITE.lock``. A worker killed
during a rebuild (``kill -9``, the OOM killer, SIGTERM) left both sub-writers waiting for
ever on a job queue nobody fed, with parent 1, holding the lock: every later writer timed
out, and the index froze. ``MpWriter.cancel()`` did not stop them either (it sets a flag
on the parent's copy of the process object only).

:class:`ForkserverMpWriter` starts them from the fork server instead (``child_processes``):
they hold no descriptor of ours, exit when the caller dies, and are killed on ``cancel()``.
"""

from __future__ import annotations

from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask

from child_processes import exit_with_caller, forkserver_context, without_main

__all__ = ["ForkserverMpWriter"]

#: How long cancel() waits for a terminated writer process to go, in seconds.
_JOIN_SECONDS = 5.0


class _SubWriter(SubWriterTask):
    """One sub-writer, started from the fork server; it exits when its caller dies."""

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        from multiprocessing.popen_forkserver import Popen

        return Popen(process_obj)

    def run(self) -> None:
        exit_with_caller()
        super().run()


class ForkserverMpWriter(MpWriter):
    """``MpWriter`` whose sub-writer processes come from the fork server; see the module docstring."""

    # Set by MpWriter.__init__ (untyped) and replaced below.
    jobqueue: Any
    resultqueue: Any

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        # Sub-writers never take Whoosh's lock (their SubWriterTask passes _lk=False itself).
        self.subargs: dict[str, Any] = {name: value for name, value in self.subargs.items() if name != "_lk"}
        # Queues shared with forkserver children must come from the same context.
        for channel in (self.jobqueue, self.resultqueue):
            channel.close()
        context = forkserver_context(preload=__name__)
        self.jobqueue = context.Queue(self.procs * 4)
        self.resultqueue = context.Queue()

    def _new_task(self) -> _SubWriter:
        task = _SubWriter(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        with without_main():
            task.start()
        return task

    def cancel(self) -> None:
        try:
            for task in self.tasks:
                task.terminate()
            for task in self.tasks:
                task.join(_JOIN_SECONDS)
        finally:
            super().cancel()
