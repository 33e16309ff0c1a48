"""The terminal: app loop, inputs, screens, session rules, outbox, staff summary."""

import os

# pygame greets on import; a kiosk's journal should hold only what matters.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
