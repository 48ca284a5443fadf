"""Funding: the program catalog (versioned data in knowledge/funding), recommendations and estimates."""
