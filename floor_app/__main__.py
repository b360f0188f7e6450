from floor_app.cli import main

raise SystemExit(main())
