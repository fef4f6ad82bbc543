"""API of the sales desk: orders."""


def register(router) -> None:
    """Add this area's viewsets to the sales API router."""
