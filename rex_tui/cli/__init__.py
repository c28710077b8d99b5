"""Headless mode: the seeds' `rex` command line (`rex-tui --print ARGS` or `rex ARGS`)."""
