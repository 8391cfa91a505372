"""What can go wrong with an invoice, named for what went wrong; `str(error)` is the
user's message, translated when raised (the request's language is set by then)."""

from __future__ import annotations

from collections.abc import Mapping

from core.i18n import _

STATE_LABELS = {"draft": "Draft", "issued": "Issued", "paid": "Paid", "cancelled": "Cancelled"}


def state_label(state: str) -> str:
    return _(STATE_LABELS.get(state, state)).lower()


def _either(words: list[str]) -> str:
    """["issued", "cancelled"] -> "issued or cancelled"."""
    if len(words) < 2:
        return "".join(words)
    return _("%(first)s or %(last)s", first=", ".join(words[:-1]), last=words[-1])


class BillingError(Exception):
    """A billing rule refused the operation."""


class UnknownInvoice(BillingError):
    def __init__(self, invoice_id: int) -> None:
        self.invoice_id = invoice_id
        super().__init__(_("Invoice #%(id)s does not exist.", id=invoice_id))


class InvalidTransition(BillingError):
    """The invoice cannot go from its state to the one asked for."""

    def __init__(self, label: str, state: str, target: str, allowed: tuple[str, ...]) -> None:
        self.state, self.target = state, target
        if not allowed:
            message = _("%(invoice)s is %(state)s and can no longer change.", invoice=label,
                        state=state_label(state))
        else:
            message = _("%(invoice)s is %(state)s: it cannot become %(target)s, only %(allowed)s.",
                        invoice=label, state=state_label(state), target=state_label(target),
                        allowed=_either([state_label(s) for s in allowed]))
        super().__init__(message)


class InvoiceLocked(BillingError):
    """An issued (paid, cancelled) invoice is immutable: its lines and amounts stay as sent."""

    def __init__(self, label: str, state: str) -> None:
        self.state = state
        super().__init__(_("%(invoice)s is %(state)s: its lines and amounts can no longer change.",
                           invoice=label, state=state_label(state)))


class EmptyInvoice(BillingError):
    def __init__(self, label: str) -> None:
        super().__init__(_("%(invoice)s has no lines yet: add what to bill first.", invoice=label))


class NegativeInvoice(BillingError):
    def __init__(self, label: str) -> None:
        super().__init__(_("%(invoice)s totals less than zero: credit a customer with a credit note, "
                           "not a negative invoice.", invoice=label))


class ReasonRequired(BillingError):
    def __init__(self, label: str) -> None:
        super().__init__(_("%(invoice)s was issued: say why it is cancelled.", invoice=label))


class InvalidLine(BillingError):
    """A line's values do not fit; `errors` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


class AlreadyInvoiced(BillingError):
    """The document a line bills is on another invoice already (not cancelled)."""

    def __init__(self, origin: str, label: str) -> None:
        self.origin = origin
        super().__init__(_("%(origin)s is billed on %(invoice)s already.", origin=origin, invoice=label))
