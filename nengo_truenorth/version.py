"""Version of nengo_truenorth and the Nengo version window it supports."""

version_info = (0, 1, 0, "dev0")
version = "0.1.0.dev0"

#: Nengo versions this release was tested with.
NENGO_MIN = (4, 1, 0)
NENGO_MAX_EXCLUSIVE = (4, 2, 0)


def check_nengo_version(nengo_version):
    """Warn when the installed Nengo lies outside the tested window.

    Parameters
    ----------
    nengo_version : tuple of int
        The ``nengo.version.version_info`` of the installed Nengo.
    """
    import warnings

    v = tuple(nengo_version[:3])
    if not NENGO_MIN <= v < NENGO_MAX_EXCLUSIVE:
        warnings.warn(
            f"nengo_truenorth {version} was tested with Nengo "
            f"{'.'.join(map(str, NENGO_MIN))} up to (not including) "
            f"{'.'.join(map(str, NENGO_MAX_EXCLUSIVE))}; found "
            f"{'.'.join(map(str, v))}."
        )
