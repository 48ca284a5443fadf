"""LangGraph flows behind the tools. Read flows return; every write flow ends in the shared approval step."""
