"""`python -m newsq`."""

from newsq.entry import run

run()
