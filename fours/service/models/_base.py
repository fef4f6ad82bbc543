from fours.core.fields import HOURS, MONEY, PCT, QTY

__all__ = ["HOURS", "MONEY", "PCT", "QTY"]
