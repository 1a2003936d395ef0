"""Open311 GeoReport v2 server (http://wiki.open311.org/GeoReport_v2), mounted at /open311/v2/."""
