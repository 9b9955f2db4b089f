#!/bin/bash
# The packages' after-remove script: the RPM's %postun and the deb's postrm. An upgrade runs
# it for the old version after the new one is in place, and then the links must stay.
# rpm passes how many copies stay installed (0: erased, 1: upgraded); dpkg passes remove or
# purge when the package goes, upgrade (or failed-upgrade, abort-install, ...) otherwise.
case "$1" in
    0|remove|purge) ;;
    *) exit 0 ;;
esac

if type update-alternatives >/dev/null 2>&1; then
    update-alternatives --remove bpf-lab-app /opt/bpf-lab/bpf-lab-app || true
else
    rm -f /usr/bin/bpf-lab-app
fi

# The AppArmor profile electron-builder's install script may have put in place.
profile=/etc/apparmor.d/bpf-lab-app
if [ -f "$profile" ]; then
    if hash apparmor_parser 2>/dev/null && apparmor_status --enabled >/dev/null 2>&1; then
        apparmor_parser --remove "$profile" || true
    fi
    rm -f "$profile"
fi
