"""Demo data of the sales desk: two months of showroom life per demo store, loaded in the order the
areas depend on each other (stock before orders, orders before loans and policies)."""

ORDER = 35  # after service (fitting orders), before finance (its demo closes past days)


def load(ctx) -> None:
    from . import demo_fi, demo_orders, demo_showroom, demo_stock

    for area in (demo_stock, demo_showroom, demo_orders, demo_fi):
        area.load(ctx)
