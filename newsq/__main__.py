"""`python -m newsq`."""

from newsq.cli import main

main()
