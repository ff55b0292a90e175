"""Evaluation: tools around the product, not on its runtime path (``bot ask`` never imports this package).

``datasets`` (FAQ files, dev/test split), ``metrics`` (pure scoring), ``running`` (``bot eval``),
``report`` (markdown and plot), ``baseline`` (the LangChain tutorial yardstick), ``machine`` (load average).
"""
