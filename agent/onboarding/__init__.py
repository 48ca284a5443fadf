"""Partner onboarding: where a partner stands, its profile from the website, and Marketplace seller setup guidance."""
