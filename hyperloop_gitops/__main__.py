"""`python -m hyperloop_gitops` is the `hyperloop` command."""

from hyperloop_gitops.cli import main

main(prog_name="hyperloop")
