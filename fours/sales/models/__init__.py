from .fi import LoanApplication, LoanDocument, Policy, Product
from .leads import FollowUp, GradeRule, Lead, TestDrive, Visit
from .orders import OrderAccessory, VehicleOrder
from .stock import (
    Custody,
    Inspection,
    OrderPlan,
    OrderPlanLine,
    Outlet,
    StockVehicle,
    VehicleCount,
    VehicleTransfer,
)

__all__ = [
    "Custody",
    "FollowUp",
    "GradeRule",
    "Inspection",
    "Lead",
    "LoanApplication",
    "LoanDocument",
    "OrderAccessory",
    "OrderPlan",
    "OrderPlanLine",
    "Outlet",
    "Policy",
    "Product",
    "StockVehicle",
    "TestDrive",
    "VehicleCount",
    "VehicleOrder",
    "VehicleTransfer",
    "Visit",
]
