"""kvlint audit: sources → normalized vault view → checks → reachability → report."""
