"""MCP tools, one module per area. Each module's ``register(server, app)`` adds its tools.

Tools are thin: validate input (typed parameters), call the backend, return a pydantic model. Backend
errors become `ToolError`s that say what went wrong and what to do next.
"""
