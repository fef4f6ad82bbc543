from .views import NAV

__all__ = ["NAV"]
