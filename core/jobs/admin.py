"""What an administrator does with jobs: retry a failed run."""

from __future__ import annotations

import json

from core.db import engine as db
from core.jobs import runs
from core.jobs.broker import current
from core.jobs.enqueue import send
from core.jobs.models import JobRun


class NotRetryable(Exception):
    pass


async def retry(run_id: int) -> None:
    """Queue a failed or dead run again (same run, a fresh retry budget)."""
    row = await runs.get(run_id)
    if row is None:
        raise NotRetryable(f"job run #{run_id} does not exist")
    if row["state"] not in runs.RETRYABLE:
        raise NotRetryable(f"job run #{run_id} is {row['state']}; only failed or dead runs can be retried")
    async with db.transaction():
        await JobRun.update({JobRun.state: "queued", JobRun.error: "", JobRun.finished_at: None}
                            ).where(JobRun.id == run_id).run()
        await send(current(), row["job"], tuple(json.loads(row["args"] or "[]")), run_id=run_id)
