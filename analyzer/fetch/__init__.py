"""The fetch stage: a polite, incremental, resumable Bugzilla REST client and the sync over it.

Only light constants live here, so the CLI can declare its options without importing requests.
"""

DEFAULT_PAGE_SIZE = 200  # bugs per search request; BMO caps a page at 10,000
