"""The involvement index: who is working with a person, and each organisation's directory."""
