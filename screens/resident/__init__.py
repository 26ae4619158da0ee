"""The resident self-service screens (mode ``self``), one module per screen."""
