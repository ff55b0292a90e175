"""Evaluation and benchmarks: tools around the product, not on its runtime path.

Imports run one way: this package builds on ``bot/`` and ``index/``, which never import it; ``bot eval`` and
``bot bench`` load it when they run (``bot ask`` never does; tests/test_architecture.py checks both).

``datasets`` (the sets, their format, the dev/test split), ``checks`` (the rules a set's questions and
documents follow, standard library only), ``metrics`` (pure scoring), ``running`` (``bot eval``), ``report``
(markdown and plot), ``readme`` (the generated results tables), ``baseline`` (the LangChain tutorial
yardstick), ``feedback`` (web feedback → candidate FAQ items), ``benchmark`` and ``bench_worker`` (``bot
bench``), ``machine`` (load average). The sets' data stay in ``eval/`` (shipped as ``evaluation.sets``).
"""
