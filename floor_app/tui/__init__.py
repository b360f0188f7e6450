"""The station's Textual user interface (the only package that imports Textual).

Build the app with :func:`floor_app.tui.app.make_app`; import it from there (this package
stays empty so ``floor --help`` does not import Textual).
"""
