"""QAtron's pytest integration for test repositories.

Installed into every run's virtual environment by the QAtron worker. The ``qatron.plugin`` module is
loaded automatically (``pytest11`` entry point) and provides the environment, ``dataset`` and
``browser`` fixtures and the BDD scenario labels; the ``qatron.progress`` and ``qatron.collect``
modules are opt-in plugins the worker enables with ``-p`` to report live progress and the
collected test ids.
"""

__version__ = "0.1.0"

ENV_PREFIX = "QATRON_"
"""Environment variables with this prefix are the run's environment settings (``qatron_env``)."""

INTERNAL_VARIABLES = frozenset(
    {"QATRON_PROGRESS_FILE", "QATRON_COLLECT_FILE", "QATRON_DATASETS_FILE", "QATRON_ARTIFACTS_DIR", "QATRON_CHECKOUT_DIR"}
)
"""Variables the worker uses to talk to the plugins and fixtures; not part of ``qatron_env``."""
