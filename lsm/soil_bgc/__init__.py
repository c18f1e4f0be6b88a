"""Microbial-explicit soil carbon-nitrogen model (SCIENCE.md section 3)."""
