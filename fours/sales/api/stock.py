"""API of the sales desk: stock."""


def register(router) -> None:
    """Add this area's viewsets to the sales API router."""
