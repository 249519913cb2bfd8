import sys

from eqchip.cli import main

sys.exit(main())
