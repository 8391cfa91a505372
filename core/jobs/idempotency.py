"""Idempotency keys: a redelivered message has the effect of one run.

A job claims a key in the same transaction as its effect; if the key is already
claimed (an earlier delivery committed), `claim` returns False and the job skips
the effect. If the earlier delivery crashed before committing, its claim rolled
back with its effect, so the redelivery claims the key and does the work.
"""

from __future__ import annotations

from core.db.engine import in_transaction
from core.jobs.models import JobIdempotency


class ClaimOutsideTransaction(Exception):
    """Claiming a key outside a transaction cannot tie it to the job's effect."""


async def claim(key: str) -> bool:
    """Claim `key` in the current transaction; False if it was claimed before."""
    if not in_transaction():
        raise ClaimOutsideTransaction(
            f"claim({key!r}) must run inside core.db.engine.transaction() with the job's effect")
    rows = await (JobIdempotency.insert(JobIdempotency(key=key))
                  .on_conflict(target=JobIdempotency.key, action="DO NOTHING")
                  .returning(JobIdempotency.id).run())
    return bool(rows)
