"""Pydantic models mirroring the Partner Central API shapes (field names and enums as in botocore)."""
