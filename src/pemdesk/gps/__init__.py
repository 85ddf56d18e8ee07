"""Live position from a GPS receiver (Qt-free): NMEA 0183 from a serial port (USB or Bluetooth
SPP) read with pyserial and parsed with pynmea2, and a track recorder that saves a GPX-compatible
track to a visit. QtPositioning is not used (it is not in pyside6-essentials)."""
