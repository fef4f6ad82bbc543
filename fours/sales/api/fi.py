"""API of the sales desk: fi."""


def register(router) -> None:
    """Add this area's viewsets to the sales API router."""
