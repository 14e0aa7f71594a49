import sys

from cexact.cli import main

sys.exit(main())
