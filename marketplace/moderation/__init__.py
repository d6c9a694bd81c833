"""Moderation: operators hide requests, shops and offers that break the rules, with a reason the owner sees."""
