import sys

from eks_token.cli.main import main

sys.exit(main())
