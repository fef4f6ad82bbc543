"""Money and quantities are Decimal. Round once per line, half-up to the fen; totals are sums of lines."""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
COST_PLACES = Decimal("0.0001")
QTY_PLACES = Decimal("0.001")


def to_decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = repr(value)
    return Decimal(str(value))


def round_money(value) -> Decimal:
    return to_decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def round_cost(value) -> Decimal:
    return to_decimal(value).quantize(COST_PLACES, rounding=ROUND_HALF_UP)


def round_qty(value) -> Decimal:
    return to_decimal(value).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)


def split_vat(gross, rate) -> tuple[Decimal, Decimal]:
    """价税分离: split a tax-inclusive amount into (net, vat), both rounded to the fen, net + vat == gross."""
    gross = round_money(gross)
    net = round_money(gross / (1 + to_decimal(rate)))
    return net, gross - net


def line_amount(qty, unit_price, discount_pct=0) -> Decimal:
    """Tax-inclusive line amount after a percentage discount, rounded once."""
    amount = to_decimal(qty) * to_decimal(unit_price) * (1 - to_decimal(discount_pct) / 100)
    return round_money(amount)
