"""Personal staff accounts: who may do what in the console and the registry's admin pages."""
