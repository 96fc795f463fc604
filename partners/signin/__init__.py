"""Signing in: the lockout that counts failures, the TOTP second factor, and the sessions a person holds.

The pages (``partners.views``), the volunteers' sign-in links (``volunteers.signin``), the admin and the
API token endpoint (``partners.auth_api``) all go through these, so every door has the same rules.
"""
