"""Compliance checks over the partner's account: PRM readiness."""
