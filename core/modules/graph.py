"""Checks over a set of manifests, run before anything changes, and dependency order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from litestar.controller import Controller
from litestar.handlers.http_handlers import HTTPRouteHandler

from core.modules.errors import (
    ManifestError,
    ModuleConflictError,
    ModuleCycleError,
    ModuleDependencyError,
)
from core.modules.manifest import NAME_RE, VERSION_RE, Manifest


def _join(*parts: str) -> str:
    path = "/".join(p.strip("/") for p in parts if p and p != "/")
    return "/" + path if path else "/"


def handlers_of(manifest: Manifest) -> list[tuple[str, HTTPRouteHandler]]:
    """(base path, handler) for every route handler the manifest's controllers declare."""
    found: list[tuple[str, HTTPRouteHandler]] = []
    for item in manifest.controllers:
        if isinstance(item, type) and issubclass(item, Controller):
            base = getattr(item, "path", "/")
            handlers = [v for v in vars(item).values() if isinstance(v, HTTPRouteHandler)]
        elif isinstance(item, HTTPRouteHandler):
            base, handlers = "", [item]
        else:
            raise ManifestError(
                f"module '{manifest.name}': controllers must be Controller classes or route "
                f"handlers, got {item!r}"
            )
        found.extend((base, h) for h in handlers)
    return found


def routes_of(manifest: Manifest) -> set[tuple[str, str]]:
    """(METHOD, path) pairs a manifest's controllers answer."""
    return {
        (method, _join(base, path))
        for base, handler in handlers_of(manifest)
        for path in handler.paths
        for method in handler.http_methods
    }


def check_manifest(m: Manifest) -> None:
    if not isinstance(m, Manifest):
        raise ManifestError(f"expected a Manifest, got {type(m).__name__}")
    if not NAME_RE.match(m.name):
        raise ManifestError(
            f"module '{m.name}': name must be lower-case letters, digits and underscores"
        )
    if not isinstance(m.version, str) or not VERSION_RE.match(m.version):
        raise ManifestError(
            f"module '{m.name}': malformed version {m.version!r} (expected MAJOR.MINOR or MAJOR.MINOR.PATCH)"
        )
    for p in m.permission_names:
        if not p.startswith(m.name + ".") or p.count(".") != 2:
            raise ManifestError(
                f"module '{m.name}': permission '{p}' must be named '{m.name}.<concept>.<action>'"
            )
    for t in m.table_names:
        if not t.startswith(m.name + "_"):
            raise ManifestError(f"module '{m.name}': table '{t}' must be named '{m.name}_<concept>'")


def _conflicts(manifests: Iterable[Manifest], what: str, key) -> None:
    owner: dict[object, str] = {}
    for m in manifests:
        for item in key(m):
            if item in owner and owner[item] != m.name:
                label = " ".join(item) if isinstance(item, tuple) else item
                raise ModuleConflictError(
                    f"{what} '{label}' is declared by both '{owner[item]}' and '{m.name}'"
                )
            owner[item] = m.name


def find_cycle(manifests: Mapping[str, Manifest]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for dep in sorted(manifests[name].depends):
            if dep not in manifests:
                continue
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[name] = 2
        return None

    for name in sorted(manifests):
        if name not in state and (cycle := visit(name)):
            return cycle
    return None


def validate(manifests: Mapping[str, Manifest]) -> None:
    """Raise a specific error naming the modules if the set cannot be loaded together."""
    for m in manifests.values():
        check_manifest(m)
    for m in manifests.values():
        for dep in (*m.depends, *m.auto_install):
            if dep not in manifests:
                raise ModuleDependencyError(
                    f"module '{m.name}' depends on '{dep}', which is not available"
                )
    cycle = find_cycle(manifests)
    if cycle:
        raise ModuleCycleError("dependency cycle: " + " -> ".join(cycle))
    ms = list(manifests.values())
    _conflicts(ms, "table", lambda m: m.table_names)
    _conflicts(ms, "permission", lambda m: m.permission_names)
    _conflicts(ms, "route", routes_of)


def closure(manifests: Mapping[str, Manifest], names: Iterable[str]) -> set[str]:
    """The named modules plus everything they depend on, transitively."""
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(manifests[name].depends)
    return seen


def dependents(manifests: Mapping[str, Manifest], names: Iterable[str]) -> set[str]:
    """Modules that depend on any of `names`, transitively (excluding `names`)."""
    targets = set(names)
    result: set[str] = set()
    changed = True
    while changed:
        changed = False
        for m in manifests.values():
            if m.name in targets | result:
                continue
            if targets.intersection(m.depends) or result.intersection(m.depends):
                result.add(m.name)
                changed = True
    return result


def topological(manifests: Mapping[str, Manifest], names: Iterable[str]) -> list[str]:
    """`names` ordered so each module comes after its dependencies (ties by name)."""
    wanted = set(names)
    order: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        done.add(name)
        for dep in sorted(manifests[name].depends):
            visit(dep)
        if name in wanted:
            order.append(name)

    for name in sorted(wanted):
        visit(name)
    return order
