"""Demo data of the sales desk: showroom."""


def load(ctx) -> None:
    """Add this area's demo rows to every demo store of ctx."""
