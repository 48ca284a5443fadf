"""The data the server reads at run time: ``agent/knowledge``, shipped in the wheel and found with importlib.resources.

The guidance documents, the funding program catalog, the seller rules and the managed-policy data live inside the
package, so an installed wheel (pip, pipx, uvx) has them as much as a checkout does.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def knowledge(*parts: str) -> Path:
    """The bundled knowledge file or folder at ``parts`` (e.g. ``knowledge("funding", "programs.json")``).

    pip installs a wheel as files and an editable install points at the checkout, so the resource is a real path;
    the index and the loaders read it as one.
    """
    resource = files("agent").joinpath("knowledge", *parts)
    if not isinstance(resource, Path):
        raise RuntimeError(
            f"partner-central-agent must be installed as files, not imported from an archive ({resource})"
        )
    return resource
