"""Partner Central agent: an MCP server for AWS partner onboarding, PRM compliance and funding."""
