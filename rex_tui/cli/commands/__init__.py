"""One module per command group; each registers its subcommands on the parser."""
