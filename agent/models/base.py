"""The base of every API-shaped model."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer


class ApiModel(BaseModel):
    """A model mirroring a Partner Central API shape: same field names (PascalCase), same enums.

    ``api_shape`` names the botocore shape it mirrors, as ``(service, shape)``; ``api_omitted`` names the members
    of that shape deliberately not kept. A test walks the real service model and checks every field: its name,
    whether it may be absent, its enum, pattern and length bounds, and that no other member or union branch is
    dropped. Unknown fields from newer API versions are ignored.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True, use_enum_values=True)

    api_shape: ClassVar[tuple[str, str] | None] = None
    api_omitted: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _omit_unset(self, handler: SerializerFunctionWrapHandler) -> dict:
        """Leave absent optional fields out, as the API does, instead of sending nulls."""
        return {key: value for key, value in handler(self).items() if value is not None}

    def api_dict(self) -> dict:
        """The JSON-ready dict the API would send: API field names, no unset or empty optional fields."""
        return self.model_dump(mode="json", exclude_none=True)
