"""API of the sales desk: showroom."""


def register(router) -> None:
    """Add this area's viewsets to the sales API router."""
