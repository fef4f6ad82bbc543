from .urls import PAGES

NAV = [item for page in PAGES for item in page.NAV]
