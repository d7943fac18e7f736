"""The errors of gg.save and gg.load."""


class SerializationError(ValueError):
    """A file that cannot be saved or loaded safely (corrupt, truncated, pickled, ...)."""


class MissingFolderError(FileNotFoundError, RuntimeError):
    """gg.save into a folder that does not exist: a FileNotFoundError, and also the
    RuntimeError that torch.save raises there ("Parent directory ... does not exist.")."""


def fail(where, reason):
    """The SerializationError for a file that cannot be read: 'load: <file>: <reason>'."""
    return SerializationError(f"load: {where}: {reason}")
