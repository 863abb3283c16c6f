"""One module per crowd platform, each holding that platform's page or template, batch file,
results reader and simulated-results writer for any task (``..task.Task``)."""

from . import appen, labelstudio, mturk, toloka

PLATFORMS = {"mturk": mturk, "labelstudio": labelstudio, "appen": appen, "toloka": toloka}

__all__ = ["PLATFORMS", "appen", "labelstudio", "mturk", "toloka"]
