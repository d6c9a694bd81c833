"""In-portal notifications and the email that goes with them (SMTP, or an outbox in development)."""
