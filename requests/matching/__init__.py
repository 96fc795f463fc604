"""Matching a support request to the best-suited volunteers and organisations (DESIGN.md section 5)."""
