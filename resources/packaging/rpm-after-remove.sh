#!/bin/bash
# The RPM's %postun. rpm runs it with $1 = how many copies stay installed: 1 when an upgrade
# replaces the package (then the new package's links must stay), 0 when it is erased.
[ "$1" = 0 ] || exit 0

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
