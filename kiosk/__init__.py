"""社保服务终端: the township social-insurance service-hall kiosk.

The package holds the core: configuration, the command line, the app factory,
pure business rules (`kiosk.rules`), policy parameters (`kiosk.policy`), use
cases (`kiosk.services`) and message catalogs (`kiosk.i18n`).
"""

__version__ = "0.1.0"

# peewee would import the PostgreSQL driver at once; a SQLite hall never needs it (cold start).
from db.pgdriver import hide_driver_while_peewee_loads

hide_driver_while_peewee_loads()
