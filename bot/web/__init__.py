"""The web UI (``bot serve``): page layout and handlers in bot.webapp; rendering, uploads, words and assets here."""
