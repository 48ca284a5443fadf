"""Who may use the server: bearer tokens issued to partner agents."""
