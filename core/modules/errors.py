"""Errors raised while validating manifests or changing installed modules."""


class ModuleError(Exception):
    """Base class: every message names the modules involved."""


class ManifestError(ModuleError):
    """A manifest is malformed (bad name, bad version, wrong type)."""


class ModuleDependencyError(ModuleError):
    """A dependency is missing, or an uninstall would strand dependents."""


class ModuleCycleError(ModuleDependencyError):
    """Modules depend on each other in a cycle."""


class ModuleConflictError(ModuleError):
    """Two modules declare the same module, table, route or permission name."""


class ModuleNotFound(ModuleError):
    """No discovered module has that name."""


class ModuleStateError(ModuleError):
    """The requested change does not fit the module's current state."""


class ModuleInstallError(ModuleError):
    """Installing, upgrading or uninstalling failed; the state was rolled back."""
