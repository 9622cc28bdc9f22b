"""Why the runtime refuses a request."""


class CapacityExceeded(Exception):
    """Every session slot is taken."""


class SessionBusy(Exception):
    """The session already runs a task."""


class SessionGone(Exception):
    """The session is not live (ended, expired or unknown)."""
