"""`propscan` with the speakers' NER step switched off, for folder_speed.py's 'analyze without NER' figure.

Run as a script, so spawned worker processes import it too (as __mp_main__) and get the same switch:
entities_in finds nobody, and spaCy is never imported. Not for use outside the benchmark.
"""

import propscan.attribution.speakers as speakers

speakers.entities_in = lambda text, ranges: []

if __name__ == "__main__":
    import sys

    from propscan.cli import run

    run(sys.argv[1:])
