"""tether-mongodb: a MongoDB session store for tether (``mongodb://``, ``mongodb+srv://``).

Importing this package is cheap: pymongo loads only when a store is opened.
See docs/backends/mongodb.md.
"""

__version__ = "0.1.0"
