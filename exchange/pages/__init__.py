"""Server-rendered pages: watch markets and trade."""
