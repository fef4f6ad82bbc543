"""Business errors raised by services. They are Django ValidationErrors, so forms show them on the
field and the API turns them into 400 responses with field errors.

One idiom, always with a code:

- ``field_error(field, msg, code=…)`` for a refusal about one field (the usual case);
- ``BusinessError({field: msg, other: msg2}, code=…)`` only for a true multi-field dict (a form's
  cleaning collected several errors at once), and ``BusinessError(msg, code=…)`` for a message about
  the whole document.

Every refusal carries a stable code that the API returns as ``error.code`` and tests assert; the code
is kept on the error (``err.error_code``) and on each of its messages. A test
(fours/core/tests/test_errors.py) walks the code and refuses a call without ``code=`` or a
single-field ``BusinessError`` dict.

CODES — the same kind of refusal has the same code in every app:

- ``required``: a value must be filled in or chosen; ``no_lines``: a document without (usable) lines.
- ``invalid``: several fields refused at once by a form's cleaning; ``bad_format``: a number, amount,
  code or signature that cannot be read; ``invalid_choice``: an unknown kind/channel/reason;
  ``bad_file_type``, ``too_large``, ``too_many``: an upload refused.
- ``negative``, ``not_positive``, ``out_of_range``, ``min_over_max``: a figure out of its bounds;
  ``date_order``, ``in_past``, ``in_future``: a date before its start, already gone, or still to come.
- ``not_found``: the referenced thing does not exist; ``out_of_scope``: it belongs to another store or
  group; ``mismatch``: it belongs to another document; ``duplicate``: it already exists.
- ``bad_transition``: the document's (or line's) status does not allow this step now;
  ``not_pending``: it has already been handled; ``confirmed``: this role already confirmed.
- people: ``not_staff`` (not this store's staff in that role), ``not_assigned``, ``not_approver``,
  ``same_person``, ``own_order``, ``same_party`` (the same customer, owner or store twice),
  ``merged_customer`` (a merged customer record used), ``over_limit`` (above the actor's limit).
- stock: ``insufficient_stock``, ``over_quantity``, ``over_receipt``, ``nothing_to_issue``,
  ``no_document``, ``qty_format``, ``qty_positive``, ``qty_decimals``, ``qty_range``.
- money: ``credit_limit``, ``account_not_allowed``, ``overpayment``, ``over_refund``, ``no_refund``,
  ``not_settled``, ``partly_paid``, ``discount_limit``, ``discount_pending``.
- repair orders: ``ro_closed``, ``ro_not_open``, ``estimate_unconfirmed``, ``added_pending``,
  ``parts_pending``, ``parts_issued``, ``work_logged``, ``already_clocked``, ``not_clocked``,
  ``checklist_incomplete``, ``insurer_required``, ``old_part_required``, ``warranty_old_part``,
  ``fully_booked`` (appointments); warranty and accident jobs: ``out_of_warranty`` (a 索赔 line on a vehicle
  out of warranty by date or mileage), ``warranty_unknown`` (no warranty start to judge by),
  ``warranty_unsigned`` (a warranty part issued or claimed before the warranty clerk's sign-off),
  ``old_part_untagged`` (a claim submitted without its old part's tag), ``settled_lower`` (a reassessment
  lowering a settled accident job).
- workshop: ``tool_out`` (lending a tool that is out), ``tool_not_lent`` (returning or losing one that is
  not lent), ``out_of_guarantee`` (a comeback after the quality guarantee period), ``body_check_missing``
  (a 出厂合格证 for body work without its check before paint).
- sales: ``documents_missing`` (a loan file lacks a 五大件 paper), ``unpaid`` (not fully paid, or the bank has
  not paid the loan), ``not_posted`` (an order's receivable is not in finance yet), ``double_booked``, ``not_demo``,
  ``licence_expired``, ``already_out``, ``already_allocated``, ``bad_vin``, ``not_available`` (a vehicle
  not in stock for 配车), ``pdi_pending`` (a vehicle not through its PDI).
- customer care: ``no_consent`` (the customer withdrew call/SMS/marketing consent), ``unconfirmed`` (the customer
  has not confirmed a complaint's handling), ``follow_up_required`` (no satisfied second call yet),
  ``unmatched_rows`` (an import with rows that match no document), ``link_used`` (a one-time phone link used).
- a few one-off codes named after their rule (``supersession_cycle``, ``three_quotes``,
  ``quarterly_scope``, ``finance_required``, ``odometer_falling``…)."""

from django.core.exceptions import PermissionDenied, ValidationError


class BusinessError(ValidationError):
    """A refused operation: {field: message, …} for several fields at once, or a message for the
    whole document (one field: use ``field_error``)."""

    def __init__(self, message, code=None, params=None):
        if isinstance(message, dict) and (code or params):
            message = {
                key: [
                    m if isinstance(m, ValidationError) else ValidationError(m, code=code, params=params)
                    for m in (value if isinstance(value, list | tuple) else [value])
                ]
                for key, value in message.items()
            }
        super().__init__(message, code=code, params=params)
        if code:
            self.code = code

    @property
    def error_code(self) -> str | None:
        """The refusal's code: its own, else the first message's."""
        if getattr(self, "code", None):
            return self.code
        for err in self.error_dict.values() if hasattr(self, "error_dict") else [self.error_list]:
            for e in err:
                if getattr(e, "code", None):
                    return e.code
        return None


class NotAllowed(PermissionDenied):
    """The actor's role may not do this (403)."""


def field_error(field: str, message, code: str | None = None, params=None) -> BusinessError:
    """A refusal about one field: ``raise field_error("qty", _("库存不足…"), code="insufficient_stock")``."""
    return BusinessError({field: message}, code=code, params=params)
