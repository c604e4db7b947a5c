"""The HTTP shell: JSON API and server-rendered UI over the service layer."""
