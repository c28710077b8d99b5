"""Finding names: fuzzy, exact, wildcard and regex queries, ranked and highlighted, and an
incremental filter for typing over 100,000 names.
"""
