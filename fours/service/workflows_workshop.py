"""The status machines of the workshop's tools and of the parts-shortage tracker (same Workflow API as
workflows.py): a special tool is 在库 → 借出 (lent against an order) → 在库 (returned) or 丢失 (charged to
the person); 维修中 and 报废 from the register. A shortage (缺料跟踪) is 待到货 until the receiving of its
part closes it (已到货) or it is cancelled."""

from __future__ import annotations

from fours.core.workflows import Workflow

from .choices import ShortageStatus, ToolStatus

LEND = "service.add_toolloan"
GIVE_BACK = "service.change_toolloan"
KEEP = "service.change_tool"
TRACK = "service.change_partshortage"

TOOL = Workflow(
    "service.Tool",
    choices=ToolStatus,
    transitions={
        ToolStatus.IN: {ToolStatus.OUT: LEND, ToolStatus.REPAIR: KEEP, ToolStatus.SCRAPPED: KEEP},
        ToolStatus.OUT: {ToolStatus.IN: GIVE_BACK, ToolStatus.LOST: GIVE_BACK},
        ToolStatus.REPAIR: {ToolStatus.IN: KEEP, ToolStatus.SCRAPPED: KEEP},
        ToolStatus.LOST: {ToolStatus.IN: KEEP},
        ToolStatus.SCRAPPED: {},
    },
    actions={"edit": (set(ToolStatus.values) - {ToolStatus.SCRAPPED}, KEEP)},
)

SHORTAGE = Workflow(
    "service.PartShortage",
    choices=ShortageStatus,
    transitions={
        # arrival is the receipt's own consequence (the storekeeper's receiving closes it): no extra permission
        ShortageStatus.OPEN: {ShortageStatus.ARRIVED: None, ShortageStatus.CANCELLED: TRACK},
        ShortageStatus.ARRIVED: {},
        ShortageStatus.CANCELLED: {},
    },
    actions={"track": ({ShortageStatus.OPEN}, TRACK)},
)
