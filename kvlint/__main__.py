from kvlint.cli import main

raise SystemExit(main())
