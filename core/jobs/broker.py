"""The process's broker, chosen by `broker.url`, with every manifest job declared on it.

"embedded" -> `EmbeddedBroker` over the application database; `redis://` -> Redis;
`amqp://` -> RabbitMQ; "stub" -> Dramatiq's in-memory StubBroker (unit tests only).
Nothing happens at import time: `configure(settings)` builds it when a server,
worker or test asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, CurrentMessage, Pipelines, Retries

from core.jobs.embedded import EmbeddedBroker
from core.jobs.executor import TimeLimit
from core.modules.discovery import Catalog, discover
from core.modules.manifest import Job
from core.settings import Settings, load_settings


class UnknownJob(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"no module declares the job {name!r} (expected '<module>.<job>')")


@dataclass
class JobSystem:
    """What enqueue, workers and the scheduler of this process share."""

    settings: Settings
    catalog: Catalog
    broker: dramatiq.Broker

    @property
    def embedded(self) -> bool:
        return isinstance(self.broker, EmbeddedBroker)

    def job(self, name: str) -> tuple[str, Job]:
        """(module, job) for `<module>.<job>`, from every discovered module."""
        module, _, short = name.partition(".")
        manifest = self.catalog.manifests.get(module)
        for job in manifest.jobs if manifest else ():
            if (job.name or job.fn.__name__) == short:
                return module, job
        raise UnknownJob(name)

    def queue(self, job: Job) -> str:
        return self.settings.jobs.queue_prefix + job.queue


def middleware(settings: Settings) -> list[dramatiq.Middleware]:
    jobs = settings.jobs
    retries = Retries(min_backoff=max(1, int(jobs.min_backoff_seconds * 1000)),
                      max_backoff=max(1, int(jobs.max_backoff_seconds * 1000)))
    # Not Dramatiq's TimeLimit and ShutdownNotifications: they interrupt the thread running a
    # message, and jobs share the loop's thread (executor.py enforces the time limit).
    return [AgeLimit(), TimeLimit(), Callbacks(), Pipelines(), retries, CurrentMessage()]


def make_broker(settings: Settings) -> dramatiq.Broker:
    url, mw = settings.broker.url, middleware(settings)
    if url == "embedded":
        return EmbeddedBroker(settings.database.url, lease_seconds=settings.jobs.lease_seconds,
                              busy_timeout=settings.database.busy_timeout_seconds, middleware=mw)
    if url.startswith("redis://"):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url, middleware=mw, namespace=f"steward{settings.jobs.queue_prefix}")
    if url.startswith("amqp://"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url, middleware=mw)
    return StubBroker(middleware=mw)


_system: JobSystem | None = None


def configure(settings: Settings, catalog: Catalog | None = None) -> JobSystem:
    """Build this process's broker and declare every discovered module's jobs on it."""
    from core.jobs.actors import declare

    global _system
    if _system is not None:
        _system.broker.close()
    system = JobSystem(settings, catalog or discover(), make_broker(settings))
    declare(system)
    _system = system
    return system


def current() -> JobSystem:
    """The configured job system (configured from config.toml on first use)."""
    return _system or configure(load_settings())


def reset() -> None:
    global _system
    if _system is not None:
        _system.broker.close()
    _system = None
