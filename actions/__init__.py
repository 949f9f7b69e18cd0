"""Custom actions, split by concern; all registry knowledge comes through bot.registry.async_client."""
