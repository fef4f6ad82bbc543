"""The status machines of the sales documents, as data (``fours.core.workflows``)."""

from fours.core.workflows import Workflow

from .choices import (
    DriveStatus,
    LeadStatus,
    LoanStatus,
    OrderStatus,
    PlanStatus,
    PolicyStatus,
    TransferStatus,
    VehicleStatus,
)

LEAD_WORK = "sales.change_lead"
APPROVE_DEFEAT = "sales.approve_defeat"

# 潜客: 跟进中 → 已成交 (an order) / 战败待审 (the consultant asks) → 已战败 (the manager approves) or
# back to 跟进中 (sent back)
LEAD = Workflow(
    "sales.Lead",
    choices=LeadStatus,
    transitions={
        LeadStatus.OPEN: {LeadStatus.ORDERED: "sales.add_vehicleorder", LeadStatus.DEFEAT_PENDING: LEAD_WORK},
        LeadStatus.DEFEAT_PENDING: {LeadStatus.DEFEATED: APPROVE_DEFEAT, LeadStatus.OPEN: APPROVE_DEFEAT},
        LeadStatus.ORDERED: {LeadStatus.OPEN: "sales.change_vehicleorder"},  # the order was cancelled
    },
    actions={
        "follow_up": ({LeadStatus.OPEN, LeadStatus.DEFEAT_PENDING}, "sales.add_followup"),
        "assign": ({LeadStatus.OPEN, LeadStatus.DEFEAT_PENDING}, "sales.assign_lead"),
        "edit": ({LeadStatus.OPEN}, LEAD_WORK),
        "test_drive": ({LeadStatus.OPEN}, "sales.add_testdrive"),
        "quote": ({LeadStatus.OPEN}, "sales.add_vehicleorder"),
    },
)

DRIVE = Workflow(
    "sales.TestDrive",
    choices=DriveStatus,
    transitions={
        DriveStatus.BOOKED: {
            DriveStatus.DRIVING: "sales.change_testdrive",
            DriveStatus.CANCELLED: "sales.change_testdrive",
        },
        DriveStatus.DRIVING: {DriveStatus.DONE: "sales.change_testdrive"},
    },
)

STOCK = "sales.change_stockvehicle"

# 整车: 在途 → 在库 (arrival, inspected) → 待PDI/在库 … 已配车 (an order's VIN) → 已售待交 → 已交车;
# 在库 ↔ 试驾车 / 二网在库; 调出 to another store; 退厂 for a non-conforming vehicle
VEHICLE = Workflow(
    "sales.StockVehicle",
    choices=VehicleStatus,
    transitions={
        VehicleStatus.IN_TRANSIT: {VehicleStatus.IN_STOCK: STOCK, VehicleStatus.PDI: STOCK},
        VehicleStatus.PDI: {VehicleStatus.IN_STOCK: STOCK, VehicleStatus.RETURNED: STOCK},
        VehicleStatus.IN_STOCK: {
            VehicleStatus.PDI: STOCK,
            VehicleStatus.RESERVED: "sales.allocate_vehicle",
            VehicleStatus.DEMO: STOCK,
            VehicleStatus.AT_OUTLET: STOCK,
            VehicleStatus.TRANSFERRED: STOCK,
            VehicleStatus.RETURNED: STOCK,
        },
        VehicleStatus.RESERVED: {
            VehicleStatus.IN_STOCK: "sales.allocate_vehicle",
            VehicleStatus.SOLD: "sales.allocate_vehicle",
        },
        VehicleStatus.SOLD: {VehicleStatus.DELIVERED: "sales.deliver_order", VehicleStatus.IN_STOCK: STOCK},
        VehicleStatus.DEMO: {VehicleStatus.IN_STOCK: STOCK},
        VehicleStatus.AT_OUTLET: {VehicleStatus.IN_STOCK: STOCK, VehicleStatus.DELIVERED: STOCK},
    },
)

ORDER_WORK = "sales.change_vehicleorder"
AUTHORISE = "sales.authorise_order"

# 车辆订单: 报价 → 待审批 (sent to the manager) → 已审批待下定 → 已下定 (deposit paid at the cashier) →
# 已配车 (a VIN) → 待交车 (paid or loan disbursed, accessories fitted) → 已交车; 退订 (approved) before delivery
ORDER = Workflow(
    "sales.VehicleOrder",
    choices=OrderStatus,
    transitions={
        OrderStatus.QUOTE: {OrderStatus.AWAITING_APPROVAL: ORDER_WORK, OrderStatus.CANCELLED: ORDER_WORK},
        OrderStatus.AWAITING_APPROVAL: {OrderStatus.AUTHORISED: AUTHORISE, OrderStatus.QUOTE: AUTHORISE},
        OrderStatus.AUTHORISED: {OrderStatus.ORDERED: ORDER_WORK, OrderStatus.CANCEL_PENDING: ORDER_WORK},
        OrderStatus.ORDERED: {
            OrderStatus.ALLOCATED: "sales.allocate_vehicle",
            OrderStatus.CANCEL_PENDING: ORDER_WORK,
        },
        OrderStatus.ALLOCATED: {
            OrderStatus.READY: ORDER_WORK,
            OrderStatus.ORDERED: "sales.allocate_vehicle",
            OrderStatus.CANCEL_PENDING: ORDER_WORK,
        },
        OrderStatus.READY: {
            OrderStatus.DELIVERED: "sales.deliver_order",
            OrderStatus.CANCEL_PENDING: ORDER_WORK,
        },
        OrderStatus.CANCEL_PENDING: {OrderStatus.CANCELLED: AUTHORISE},
    },
    actions={
        "edit": ({OrderStatus.QUOTE}, ORDER_WORK),
        "accessories": (
            {OrderStatus.QUOTE, OrderStatus.AUTHORISED, OrderStatus.ORDERED, OrderStatus.ALLOCATED},
            ORDER_WORK,
        ),
        "fitting": ({OrderStatus.ALLOCATED}, ORDER_WORK),
        "print": (set(OrderStatus.values) - {OrderStatus.CANCELLED}, "sales.view_vehicleorder"),
        "invoice": ({OrderStatus.READY, OrderStatus.DELIVERED}, "finance.add_invoice"),
        # 上牌: after delivery the plate and its date are recorded on the order and in the archive
        "register": ({OrderStatus.DELIVERED}, "sales.register_order"),
    },
)

LOAN_WORK = "sales.change_loanapplication"

LOAN = Workflow(
    "sales.LoanApplication",
    choices=LoanStatus,
    transitions={
        LoanStatus.COLLECTING: {LoanStatus.SUBMITTED: LOAN_WORK, LoanStatus.CANCELLED: LOAN_WORK},
        LoanStatus.SUBMITTED: {LoanStatus.APPROVED: LOAN_WORK, LoanStatus.REJECTED: LOAN_WORK},
        LoanStatus.APPROVED: {LoanStatus.DISBURSED: LOAN_WORK, LoanStatus.CANCELLED: LOAN_WORK},
        LoanStatus.REJECTED: {LoanStatus.COLLECTING: LOAN_WORK},
    },
    actions={"documents": ({LoanStatus.COLLECTING, LoanStatus.SUBMITTED}, "sales.add_loandocument")},
)

PLAN = Workflow(
    "sales.OrderPlan",
    choices=PlanStatus,
    transitions={
        PlanStatus.DRAFT: {PlanStatus.SUBMITTED: "sales.change_orderplan"},
        PlanStatus.SUBMITTED: {
            PlanStatus.CONFIRMED: "sales.change_orderplan",
            PlanStatus.DRAFT: "sales.change_orderplan",
        },
    },
    actions={"edit": ({PlanStatus.DRAFT}, "sales.change_orderplan")},
)

TRANSFER = Workflow(
    "sales.VehicleTransfer",
    choices=TransferStatus,
    transitions={TransferStatus.SENT: {TransferStatus.RECEIVED: "sales.change_vehicletransfer"}},
)

# 新车保险: 有效 → 已退保 (the insurer refunds the premium; its commission receivable is reversed)
POLICY = Workflow(
    "sales.Policy",
    choices=PolicyStatus,
    transitions={PolicyStatus.ACTIVE: {PolicyStatus.CANCELLED: "sales.change_policy"}},
)
