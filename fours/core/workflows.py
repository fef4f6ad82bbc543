"""One workflow API for every status machine of the apps (DESIGN.md: TRANSITIONS tables as data).

An app's ``workflows.py`` declares each document's machine once::

    RO = Workflow(
        "service.RepairOrder",
        choices=ROStatus,
        transitions={                       # status -> {next status: permission of that step}
            ROStatus.RECEIVED: {ROStatus.AWAITING_APPROVAL: "service.change_repairorder", ...},
            ...
        },
        actions={                           # steps that keep the status: name -> (statuses, permission)
            "dispatch": ({ROStatus.IN_PROGRESS}, "service.dispatch_repairorder"),
        },
    )

Services call ``require(obj, to=…, actor=…)`` (or ``require_action(obj, "dispatch", actor=…)``);
pages call ``allowed_next(obj, actor)`` and show only the buttons it names, so no view or template
lists statuses or checks a step's permission by hand. ``WORKFLOWS`` holds every machine, so one test
walks them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .errors import NotAllowed, field_error

WORKFLOWS: dict[str, Workflow] = {}


@dataclass
class Workflow:
    model: str  # "app_label.ModelName"
    choices: type  # the TextChoices of the status field
    transitions: Mapping  # status -> {next status: permission or None}
    actions: Mapping = field(default_factory=dict)  # name -> (statuses where allowed, permission or None)
    field: str = "status"

    def __post_init__(self):
        WORKFLOWS[self.model.lower()] = self

    # -- reading the table -------------------------------------------------------------------
    def status_of(self, obj) -> str:
        return getattr(obj, self.field)

    def next_statuses(self, current) -> dict:
        return dict(self.transitions.get(current, {}))

    def label(self, value) -> str:
        try:
            return str(self.choices(value).label)
        except ValueError:
            return str(value)

    # -- checks ------------------------------------------------------------------------------
    def require(self, obj, *, to, actor=None) -> None:
        """Refuse a step the table does not list (400, code ``bad_transition``) or one the actor's
        roles may not take (403)."""
        current = self.status_of(obj)
        nxt = self.next_statuses(current)
        if to not in nxt:
            raise field_error(
                self.field,
                _("不能从“%(current)s”变为“%(to)s”") % {"current": self.label(current), "to": self.label(to)},
                code="bad_transition",
            )
        perm = nxt[to]
        if actor is not None and perm and not actor.has_perm(perm):
            raise NotAllowed(_("您的岗位不能执行此操作：%(to)s") % {"to": self.label(to)})

    def require_action(self, obj, name: str, *, actor=None) -> None:
        statuses, perm = self.actions[name]
        if self.status_of(obj) not in statuses:
            raise field_error(
                self.field,
                _("当前状态“%(current)s”下不能执行此操作") % {"current": self.label(self.status_of(obj))},
                code="bad_transition",
            )
        if actor is not None and perm and not actor.has_perm(perm):
            raise NotAllowed(_("您的岗位不能执行此操作"))

    def allowed_next(self, obj, actor) -> set[str]:
        """Every next status and action the actor may take on obj now."""
        current = self.status_of(obj)
        out = {to for to, perm in self.next_statuses(current).items() if not perm or actor.has_perm(perm)}
        for name, (statuses, perm) in self.actions.items():
            if current in statuses and (not perm or actor.has_perm(perm)):
                out.add(name)
        return out

    def can_ever(self, actor, step: str) -> bool:
        """Whether the actor's roles allow ``step`` (a status or an action) from any status: for a
        list's button that does not depend on one document."""
        if step in self.actions:
            perm = self.actions[step][1]
            return not perm or actor.has_perm(perm)
        perms = {nxt[step] for nxt in self.transitions.values() if step in nxt}
        return any(not p or actor.has_perm(p) for p in perms)

    def all_steps(self) -> Iterable[tuple[str, str, str | None]]:
        """(from, to, permission) of every transition, then (status, action, permission)."""
        for src, nxt in self.transitions.items():
            for to, perm in nxt.items():
                yield src, to, perm
        for name, (statuses, perm) in self.actions.items():
            for src in statuses:
                yield src, name, perm


def workflow_for(obj) -> Workflow:
    return WORKFLOWS[obj._meta.label_lower]


def require(obj, *, to, actor=None) -> None:
    workflow_for(obj).require(obj, to=to, actor=actor)


def require_action(obj, name: str, *, actor=None) -> None:
    workflow_for(obj).require_action(obj, name, actor=actor)


def allowed_next(obj, actor) -> set[str]:
    return workflow_for(obj).allowed_next(obj, actor)


def require_transition(transitions: Mapping, current, to, *, labels=None) -> None:
    """The table check alone, for callers still holding a bare {status: {next…}} table."""
    allowed = transitions.get(current, set())
    if to not in allowed:

        def label(v):
            return str(labels(v).label) if labels else str(v)

        raise field_error(
            "status",
            _("不能从“%(current)s”变为“%(to)s”") % {"current": label(current), "to": label(to)},
            code="bad_transition",
        )
