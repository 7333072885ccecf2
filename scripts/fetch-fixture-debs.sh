#!/bin/sh
# Download and unpack the Debian packages the fixtures are built from into the ignored .cache/meddata.
set -eu
mkdir -p .cache/meddata/root
cd .cache/meddata
apt-get download mricron-data=1.2.20211006+dfsg-4 python3-pydicom=2.3.1-1 || { apt-get update && apt-get download mricron-data=1.2.20211006+dfsg-4 python3-pydicom=2.3.1-1; }
for d in mricron-data_*.deb python3-pydicom_*.deb; do dpkg-deb -x "$d" root; done
sha256sum mricron-data_*.deb python3-pydicom_*.deb
