"""What can go wrong with field service work, named for what went wrong; `str(error)` is the
user's message, translated when raised (the request's language is set by then)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from core.i18n import _

STATE_LABELS = {
    "new": "New", "scheduled": "Scheduled", "in_progress": "In progress", "on_hold": "On hold",
    "done": "Done", "closed": "Closed", "cancelled": "Cancelled",
}


def state_label(state: str) -> str:
    return _(STATE_LABELS.get(state, state)).lower()


def _either(words: list[str]) -> str:
    """["scheduled", "cancelled"] -> "scheduled or cancelled"."""
    if len(words) < 2:
        return "".join(words)
    return _("%(first)s or %(last)s", first=", ".join(words[:-1]), last=words[-1])


class FieldServiceError(Exception):
    """A field service rule refused the operation."""


class UnknownWorkOrder(FieldServiceError):
    def __init__(self, work_order_id: int) -> None:
        self.work_order_id = work_order_id
        super().__init__(_("Work order #%(id)s does not exist.", id=work_order_id))


class InvalidTransition(FieldServiceError):
    """The work order cannot go from its state to the one asked for."""

    def __init__(self, label: str, state: str, target: str, allowed: Iterable[str]) -> None:
        self.state, self.target = state, target
        allowed = list(allowed)
        if not allowed:
            message = _("%(order)s is %(state)s and can no longer change: it cannot become %(target)s.",
                        order=label, state=state_label(state), target=state_label(target))
        else:
            message = _("%(order)s is %(state)s: it cannot become %(target)s, only %(allowed)s.",
                        order=label, state=state_label(state), target=state_label(target),
                        allowed=_either([state_label(s) for s in allowed]))
        super().__init__(message)


class ChecklistIncomplete(FieldServiceError):
    def __init__(self, label: str, open_points: list[str]) -> None:
        self.open_points = open_points
        super().__init__(_("%(order)s cannot be done: the checklist is not complete (%(points)s).",
                           order=label, points=", ".join(open_points)))


class PartsShort(FieldServiceError):
    def __init__(self, label: str, products: list[str]) -> None:
        self.products = products
        super().__init__(_("%(order)s cannot be done: parts are short (%(parts)s). Record what was used, "
                           "or remove the parts that were not needed.", order=label, parts=", ".join(products)))


class ReasonRequired(FieldServiceError):
    def __init__(self, message: str) -> None:
        super().__init__(message)


class InvalidValues(FieldServiceError):
    """Values that do not fit; `errors` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


class SignatureRefused(FieldServiceError):
    """The posted signature is not a small PNG image."""


class NotBillable(FieldServiceError):
    """The work order cannot be billed (not done, billed already, or nothing to charge)."""
