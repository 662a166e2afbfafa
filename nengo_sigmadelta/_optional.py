"""Import guard for the parts that need the ``dl`` extra (TensorFlow, NengoDL)."""

INSTALL_HINT = 'pip install -e ".[dl]"'


def require(module_name, needed_by):
    """Import ``module_name`` or raise an ImportError that says how to install it.

    Parameters
    ----------
    module_name : str
        E.g. ``"tensorflow"`` or ``"nengo_dl"``.
    needed_by : str
        The module that needs it, named in the message.

    Returns
    -------
    module
    """
    import importlib

    try:
        return importlib.import_module(module_name)
    except ImportError as err:
        raise ImportError(
            f"{needed_by} needs {module_name}, which is not installed; install the "
            f"'dl' extra: {INSTALL_HINT}"
        ) from err
