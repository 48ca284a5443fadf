"""Co-selling with AWS: what an opportunity needs before it is shared, and what to do next with it."""
