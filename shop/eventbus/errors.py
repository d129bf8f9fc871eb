"""What the bus raises, and what a handler may raise to steer it."""


class EventBusError(Exception):
    """Base of the bus's own errors."""


class PublishOutsideTransaction(EventBusError):
    """publish() was called outside transaction.atomic(): the event could outlive a rollback."""


class EventNotRegistered(EventBusError):
    """The event's class is not declared in an installed app's events module."""


class ContractError(EventBusError):
    """A stored payload does not validate against its contract (or cannot be upcast)."""


class PermanentError(Exception):
    """Raise from a handler when retrying cannot help: the delivery is dead-lettered at once."""
