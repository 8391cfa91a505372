"""Outbound mail: messages stored, then delivered by a job (SMTP, or .eml files in var/outbox/)."""
