"""Backends: one `PartnerCentral` interface, a local SQLite sandbox and the real APIs through boto3."""
