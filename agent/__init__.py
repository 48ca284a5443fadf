"""Partner Central agent: an MCP server for AWS partner onboarding, PRM compliance and funding."""

__version__ = "0.1.0"
