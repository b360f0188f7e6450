"""Scanning: keyboard-wedge assembly, camera capture and decoders, image decoding.

Importing this package (or any module in it) loads no heavy library: OpenCV, numpy,
zxing-cpp, pyzbar and biip are imported inside the functions that use them, so the
station starts fast and works without a camera.

For the station (camera)::

    from floor_app.scanning.camera import CameraScanner, CameraStatus

    scanner = CameraScanner(settings.scanner.camera_device, on_scan, on_status)
    scanner.start()   # returns at once
    scanner.stop()    # on camera toggle / app exit

``on_scan(text, symbology)`` gets what a wedge scanner with AIM prefixes would send
(``]E0`` + 13 digits, ``]C1`` + GS1 data with ASCII 29, ``]d2``, ``]Q3``, ``]Q1``...), to be
read by ``floor_app.domain.barcodes.parse_scan`` like any wedge scan; it runs on the
camera's dispatcher thread, so hand it to the UI with ``app.call_from_thread`` or
``post_message``. ``on_status(CameraStatus)`` says running / no camera / error / ended;
``str(status)`` is a ready-made line for the status bar.

Modules: ``symbols`` (reads and codes, AIM identifiers), ``decoders`` (zxing-cpp, zbar),
``pipeline`` (combining rules), ``imaging`` (loading, preprocessing), ``capture`` (camera,
video file, image folder), ``camera`` (frame loop, de-duplication, status), ``gs1`` (AI
interpretation), ``corpus`` (scoring sample folders), ``synthetic`` (generated frames),
``wedge`` (keyboard-wedge assembly).
"""
