"""Starting and stopping the system's processes, for `make run` and for the tests alike."""
