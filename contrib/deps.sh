# deps.sh - the Debian packages lendgate needs, and their installation (sourced by
# contrib/test.sh and contrib/quickstart.sh). Idempotent: quiet when all are present.
# LG_SKIP_INSTALL=1 never calls apt-get.

lg_packages=(
    build-essential autoconf automake libtool pkg-config clang libclang-rt-14-dev
    libfcgi-dev libjson-c-dev libssl-dev libcurl4-openssl-dev libsecp256k1-dev nettle-dev
    libsqlite3-dev libinih-dev libcunit1-dev libmongoc-dev libbson-dev
    sqlite3 curl ca-certificates procps iproute2 psmisc python3 jq
    lighttpd apache2 apache2-utils libapache2-mod-fcgid wrk
    chromium # headless, for tests/integration/api_docs.sh (the API reference page)
    prometheus python3-yaml
    man-db groff-base
    debhelper dh-autoreconf lintian dpkg-dev fakeroot
)
command -v node >/dev/null 2>&1 || lg_packages+=(nodejs npm)

lg_install_packages() {
    local missing=() p
    for p in "${lg_packages[@]}"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "${LG_SKIP_INSTALL:-0}" = 1 ]; then
        echo "missing packages: ${missing[*]} (LG_SKIP_INSTALL=1)" >&2
        return 1
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing packages: ${missing[*]}; run as root or: apt-get install ${missing[*]}" >&2
        return 1
    fi
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Services from these packages must not start on their own: our scripts start theirs.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # prometheus is here for promtool (tests/ops/prometheus.sh): its daemon never runs.
    # policy-rc.d kept it from starting; keep it from starting at the next boot too.
    case " ${missing[*]} " in
    *" prometheus "*)
        if [ -d /run/systemd/system ]; then
            systemctl disable --quiet prometheus.service 2>/dev/null || true
        else
            rm -f /etc/systemd/system/multi-user.target.wants/prometheus.service
        fi
        if { [ -d /run/systemd/system ] && systemctl is-active --quiet prometheus.service; } ||
            pgrep -x prometheus >/dev/null 2>&1; then
            echo "the prometheus service is running: lendgate only needs promtool" \
                "(systemctl disable --now prometheus)" >&2
            return 1
        fi
        ;;
    esac
}
