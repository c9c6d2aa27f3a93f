"""tether-example: a template session store backend for ``example://NAME`` URLs.

Importing this package must stay cheap: the store class loads only when a store is opened.
"""

__version__ = "0.1.0"
